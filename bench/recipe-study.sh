#!/usr/bin/env bash
# U-Net's training recipe on the held-out ISBI 2012 membranes (../shared/data/isbi2012-membrane): U-Net trained on
# images 0–14 without either part, with elastic deformation, with the separation weight map, and with both, each
# for the same fixed number of steps (not wall time: the machine may be shared) and three seeds; scored on images
# 15–19 it never saw. Appends one JSON line per run to OUT_DIR/results.jsonl, then prints mean ± spread per arm.
# Usage: [SEEDS="1 2 3"] [ARMS="plain elastic weight-map both"] bash bench/recipe-study.sh [STEPS] [ELASTIC_SIGMA_PX] [OUT_DIR]
# (U-Net tiny, 96² patches, batch 4: small enough for a loaded shared CPU; σ 5 px on a 96 px patch already bends it
# more than the paper's 10 px on 572 px). SEEDS and ARMS split the study over processes; the summary reads every
# results.jsonl under OUT_DIR's parent whose name starts like OUT_DIR's.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-150}
elastic=${2:-5}
out=${3:-bench/results/recipe-study}
data=../shared/data/isbi2012-membrane
[ -d "$data" ] || { echo "$data is absent: study skipped"; exit 0; }
mkdir -p "$out"
rm -rf "$out/split" && mkdir -p "$out/split"/{train,test}/{images,labels}
for i in $(seq 0 14); do ln -s "$PWD/$data/train/image/$i.png" "$out/split/train/images/"; ln -s "$PWD/$data/train/label/$i.png" "$out/split/train/labels/"; done
for i in $(seq 15 19); do ln -s "$PWD/$data/train/image/$i.png" "$out/split/test/images/"; ln -s "$PWD/$data/train/label/$i.png" "$out/split/test/labels/"; done
ws="$out/workspace"
segwork() { node bin/segwork.js "$@" --workspace "$ws"; }
results="$out/results.jsonl"
: > "$results"

# Class 1 is the cells (label 255): the weight map keeps neighbouring cells apart across the membrane between them.
declare -A arms=([plain]="" [elastic]="--elastic $elastic" [weight-map]="--weight-map 1" [both]="--elastic $elastic --weight-map 1")
for seed in ${SEEDS:-1 2 3}; do
  for arm in ${ARMS:-plain elastic weight-map both}; do
    name="$arm-seed$seed"
    # shellcheck disable=SC2086
    segwork train --images "$out/split/train/images" --labels "$out/split/train/labels" --label-values 0,255 --model unet --preset tiny \
      --size 96 --batch 4 --steps "$steps" --epochs 1 --val-split 0 --patience 1000 --seed "$seed" ${arms[$arm]} --out "$out/$name" --json > "$out/$name.train.jsonl"
    segwork eval --model "$out/$name" --images "$out/split/test/images" --labels "$out/split/test/labels" --json > "$out/$name.eval.json"
    node -e '
      const fs = require("fs");
      const [arm, seed, trainLog, evalFile] = process.argv.slice(1);
      const events = fs.readFileSync(trainLog, "utf8").trim().split("\n").map(JSON.parse);
      const start = events.find((e) => e.type === "start"), end = events.find((e) => e.type === "end");
      const r = JSON.parse(fs.readFileSync(evalFile, "utf8"));
      console.log(JSON.stringify({ arm, seed: Number(seed), backend: start.backend, epochs: end.epochs, seconds: end.seconds,
        membraneIoU: r.perClass[0].iou, cellIoU: r.perClass[1].iou, meanIoU: r.meanIoU }));
    ' "$arm" "$seed" "$out/$name.train.jsonl" "$out/$name.eval.json" | tee -a "$results"
  done
done
node -e '
  const fs = require("fs"), path = require("path");
  const [dir, prefix] = [path.dirname(process.argv[1]), path.basename(process.argv[1])];
  const files = fs.readdirSync(dir).filter((d) => d.startsWith(prefix)).map((d) => path.join(dir, d, "results.jsonl")).filter((f) => fs.existsSync(f));
  const rows = files.flatMap((f) => fs.readFileSync(f, "utf8").trim().split("\n").filter(Boolean).map(JSON.parse));
  console.log("| arm | membrane IoU, mean ± half-range over seeds | per seed (1, 2, 3) | mean IoU |");
  console.log("|---|---|---|---|");
  for (const arm of ["plain", "elastic", "weight-map", "both"]) {
    const r = rows.filter((x) => x.arm === arm).sort((a, b) => a.seed - b.seed);
    if (r.length === 0) continue;
    const m = r.map((x) => x.membraneIoU), mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
    const spread = (Math.max(...m) - Math.min(...m)) / 2;
    console.log(`| ${arm} | ${mean(m).toFixed(3)} ± ${spread.toFixed(3)} | ${m.map((v) => v.toFixed(3)).join(", ")} | ${mean(r.map((x) => x.meanIoU)).toFixed(3)} |`);
  }
' "$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
