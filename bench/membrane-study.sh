#!/usr/bin/env bash
# The held-out study behind the issue notes, on ISBI 2012 membranes (../shared/data/isbi2012-membrane):
#  1. each architecture trained with the same time budget on images 0–14, scored on 15–19 it never saw;
#  2. encoder pre-training on unlabeled images, then fine-tuning on 3 labeled images, against the same
#     fine-tuning from scratch, at equal budgets.
# Usage: bash bench/membrane-study.sh [BUDGET_SECONDS] [OUT_DIR]   (writes JSON lines to OUT_DIR/results.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
budget=${1:-300}
out=${2:-bench/results/membrane-study}
data=../shared/data/isbi2012-membrane
[ -d "$data" ] || { echo "$data is absent: study skipped"; exit 0; }
mkdir -p "$out"
rm -rf "$out/split" && mkdir -p "$out/split"/{train,few,test}/{images,labels}
for i in $(seq 0 14); do ln -s "$PWD/$data/train/image/$i.png" "$out/split/train/images/"; ln -s "$PWD/$data/train/label/$i.png" "$out/split/train/labels/"; done
for i in 0 1 2; do ln -s "$PWD/$data/train/image/$i.png" "$out/split/few/images/"; ln -s "$PWD/$data/train/label/$i.png" "$out/split/few/labels/"; done
for i in $(seq 15 19); do ln -s "$PWD/$data/train/image/$i.png" "$out/split/test/images/"; ln -s "$PWD/$data/train/label/$i.png" "$out/split/test/labels/"; done
ws="$out/workspace"
segwork() { node bin/segwork.js "$@" --workspace "$ws"; }
results="$out/results.jsonl"
: > "$results"

# Trains, evaluates on the held-out images, appends one JSON line: the run's median train img/s, eval img/s, IoUs.
study() {
  local name=$1 model=$2 images=$3 labels=$4; shift 4
  segwork train --images "$images" --labels "$labels" --label-values 0,255 --model "$model" --out "$out/$name" --json "$@" > "$out/$name.train.jsonl"
  local t0=$(date +%s%N)
  segwork eval --model "$out/$name" --images "$out/split/test/images" --labels "$out/split/test/labels" --json > "$out/$name.eval.json"
  local t1=$(date +%s%N)
  node -e '
    const fs = require("fs");
    const [name, model, trainLog, evalFile, seconds, images] = process.argv.slice(1);
    const events = fs.readFileSync(trainLog, "utf8").trim().split("\n").map(JSON.parse);
    const steps = events.filter((e) => e.type === "step").map((e) => e.imagesPerSecond).sort((a, b) => a - b);
    const start = events.find((e) => e.type === "start"), end = events.find((e) => e.type === "end");
    const r = JSON.parse(fs.readFileSync(evalFile, "utf8"));
    console.log(JSON.stringify({ name, model, parameters: start.parameters, backend: start.backend, epochs: end.epochs, endReason: end.reason,
      trainImagesPerSecond: steps[steps.length >> 1], evalImagesPerSecond: Number(images) / (Number(seconds) / 1000),
      meanIoU: r.meanIoU, membraneIoU: r.perClass[0].iou, cellIoU: r.perClass[1].iou, pixelAccuracy: r.pixelAccuracy }));
  ' "$name" "$model" "$out/$name.train.jsonl" "$out/$name.eval.json" "$(( (t1 - t0) / 1000000 ))" 5 | tee -a "$results"
}

for model in unet segnet-basic deeplab; do
  study "$model" "$model" "$out/split/train/images" "$out/split/train/labels" --preset small --time-budget "$budget"
done

# Pre-training: the 30 unlabeled images plus the training images' pixels (no labels), then 3 labeled images.
segwork pretrain --images "$data/unlabeled" --images "$out/split/train/images" --model unet --preset small --out "$out/encoder" --denoise 0.1 --time-budget "$budget" --json > "$out/pretrain.jsonl"
few=$((budget / 2))
study unet-few-scratch unet "$out/split/few/images" "$out/split/few/labels" --preset small --time-budget "$few" --val-split 0
study unet-few-pretrained unet "$out/split/few/images" "$out/split/few/labels" --preset small --time-budget "$few" --val-split 0 --init-encoder "$out/encoder"
echo "results: $results"
