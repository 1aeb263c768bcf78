#!/usr/bin/python3
"""PyTorch reference for bench.ts: Segwork's three benchmark architectures with the same layer shapes,
trained with the same step (Adam, pixel cross-entropy) and timed the same way (median over steps after
warm-up). Prints one JSON line per model. Run with Debian's python3-torch:

    /usr/bin/python3 bench/torch_reference.py --models unet,segnet,deeplab --size 256 --batch 4 --steps 3

Shapes follow src/models/unet.ts ('standard'), segnet.ts ('segnet-basic', 'standard') and deeplab.ts
('standard': ResNet-like backbone, output stride 16). The printed parameter counts must equal the tfjs
models' (bench.ts shows both).
"""
import argparse
import json
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_relu(cin, cout, k, bias=True):
    return [nn.Conv2d(cin, cout, k, padding=k // 2, bias=bias), nn.ReLU(inplace=True)]


def conv_bn_relu(cin, cout, k, stride=1, dilation=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride=stride, padding=dilation * (k // 2), dilation=dilation, bias=False),
        nn.BatchNorm2d(cout, momentum=0.1), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """depth 4, 32 base filters, no batch norm, dropout 0.5 at the bottom, nearest up-sampling + 2x2 conv."""

    def __init__(self, cin, classes, depth=4, base=32, dropout=0.5):
        super().__init__()
        self.enc = nn.ModuleList()
        c = cin
        for level in range(depth):
            f = base * 2 ** level
            self.enc.append(nn.Sequential(*conv_relu(c, f, 3), *conv_relu(f, f, 3)))
            c = f
        f = base * 2 ** depth
        self.bottom = nn.Sequential(*conv_relu(c, f, 3), *conv_relu(f, f, 3), nn.Dropout(dropout))
        c = f
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for level in reversed(range(depth)):
            f = base * 2 ** level
            # tfjs 'same' padding of a 2x2 kernel pads one row/column after, none before.
            self.up.append(nn.Sequential(nn.Upsample(scale_factor=2, mode='nearest'), nn.ZeroPad2d((0, 1, 0, 1)),
                                         nn.Conv2d(c, f, 2), nn.ReLU(inplace=True)))
            self.dec.append(nn.Sequential(*conv_relu(2 * f, f, 3), *conv_relu(f, f, 3)))
            c = f
        self.logits = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        skips = []
        for block in self.enc:
            x = block(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottom(x)
        for up, dec, skip in zip(self.up, self.dec, reversed(skips)):
            x = dec(torch.cat([skip, up(x)], 1))
        return self.logits(x)


class SegNetBasic(nn.Module):
    """4 levels of one 7x7 conv (64 filters) + BN + ReLU; decoder unpools with the pooling indices."""

    def __init__(self, cin, classes, levels=4, filters=64, k=7):
        super().__init__()
        self.enc = nn.ModuleList([conv_bn_relu(cin if i == 0 else filters, filters, k) for i in range(levels)])
        self.dec = nn.ModuleList([conv_bn_relu(filters, filters, k) for _ in range(levels)])
        self.logits = nn.Conv2d(filters, classes, 1)

    def forward(self, x):
        indices = []
        for block in self.enc:
            x, where = F.max_pool2d(block(x), 2, return_indices=True)
            indices.append(where)
        for block, where in zip(self.dec, reversed(indices)):
            x = block(F.max_unpool2d(x, where, 2))
        return self.logits(x)


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout, stride, dilation):
        super().__init__()
        self.conv1 = conv_bn_relu(cin, cout, 3, stride, dilation)
        self.conv2 = nn.Sequential(nn.Conv2d(cout, cout, 3, padding=dilation, dilation=dilation, bias=False),
                                   nn.BatchNorm2d(cout))
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        shortcut = x if self.proj is None else self.proj(x)
        return F.relu(self.conv2(self.conv1(x)) + shortcut)


class DeepLabV3Plus(nn.Module):
    """ResNet-like backbone (32 base filters, 2 blocks per stage), output stride 16, ASPP 256, decoder 256/48."""

    def __init__(self, cin, classes, base=32, blocks=2, aspp=256, decoder=256, low=48):
        super().__init__()
        self.stem = nn.Sequential(conv_bn_relu(cin, base, 3, stride=2), conv_bn_relu(base, base, 3))
        plan = [(base, 2, 1), (2 * base, 2, 1), (4 * base, 2, 1), (8 * base, 1, 2)]
        self.stages = nn.ModuleList()
        c = base
        for filters, stride, dilation in plan:
            stage = []
            for j in range(blocks):
                stage.append(ResidualBlock(c, filters, stride if j == 0 else 1, dilation))
                c = filters
            self.stages.append(nn.Sequential(*stage))
        self.aspp = nn.ModuleList([conv_bn_relu(c, aspp, 1)] + [conv_bn_relu(c, aspp, 3, dilation=r) for r in (6, 12, 18)])
        self.aspp_pool = nn.Conv2d(c, aspp, 1)
        self.aspp_project = conv_bn_relu(5 * aspp, aspp, 1)
        self.low = conv_bn_relu(base, low, 1)
        self.fuse = nn.Sequential(conv_bn_relu(aspp + low, decoder, 3), conv_bn_relu(decoder, decoder, 3))
        self.logits = nn.Conv2d(decoder, classes, 1)

    def forward(self, image):
        x = self.stem(image)
        low_level = None
        for s, stage in enumerate(self.stages):
            x = stage(x)
            if s == 0:
                low_level = x
        size = x.shape[-2:]
        pooled = F.relu(self.aspp_pool(F.adaptive_avg_pool2d(x, 1)))
        branches = [branch(x) for branch in self.aspp]
        branches.append(F.interpolate(pooled, size=size, mode='bilinear', align_corners=True))
        context = self.aspp_project(torch.cat(branches, 1))
        up = F.interpolate(context, size=low_level.shape[-2:], mode='bilinear', align_corners=True)
        x = self.fuse(torch.cat([up, self.low(low_level)], 1))
        return F.interpolate(self.logits(x), size=image.shape[-2:], mode='bilinear', align_corners=True)


MODELS = {'unet': UNet, 'segnet': SegNetBasic, 'deeplab': DeepLabV3Plus}


def time_median(warmup, steps, run):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(name, args):
    torch.manual_seed(1)
    model = MODELS[name](args.channels, args.classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(args.batch, args.channels, args.size, args.size)
    y = torch.randint(0, args.classes, (args.batch, args.size, args.size))

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()

    def infer():
        with torch.no_grad():
            torch.softmax(model(x), 1).sum().item()

    model.train()
    train_ms = time_median(args.warmup, args.steps, train_step)
    model.eval()
    infer_ms = time_median(args.warmup, args.steps, infer)
    return {
        'model': name,
        'framework': 'pytorch',
        'torchVersion': torch.__version__,
        'threads': torch.get_num_threads(),
        'size': args.size,
        'batch': args.batch,
        'parameters': sum(p.numel() for p in model.parameters()),
        'trainImagesPerSecond': round(args.batch * 1000 / train_ms, 3),
        'inferImagesPerSecond': round(args.batch * 1000 / infer_ms, 3),
        'trainStepMs': round(train_ms, 1),
        'inferBatchMs': round(infer_ms, 1),
        'peakRssMB': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', default='unet,segnet,deeplab')
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--channels', type=int, default=3)
    parser.add_argument('--classes', type=int, default=4)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--params-only', action='store_true', help='print parameter counts without timing')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for name in args.models.split(','):
        if name not in MODELS:
            parser.error(f"unknown model '{name}': choose from {', '.join(MODELS)}")
        if args.params_only:
            model = MODELS[name](args.channels, args.classes)
            print(json.dumps({'model': name, 'parameters': sum(p.numel() for p in model.parameters())}), flush=True)
        else:
            print(json.dumps(measure(name, args)), flush=True)


if __name__ == '__main__':
    main()
