#!/usr/bin/env bash
# Train the teacher ensemble and distil the student on a lent GPU machine, in a fixed time.
#
#   on this machine:   python tools/pack_fer2013.py pack ../shared/data/fer2013 .gpu
#   on the GPU one:    OUT=/some/dir TEACHER_S=420 STUDENT_S=90 bash tools/gpu_train.sh
#                      (STUDENT_WIDTH=24: a wider stride-2 student, from scratch)
#
# Three teachers side by side (ResNet-18 widths 64/64/48, seeds 0/1/2), each re-planning its
# one-cycle schedule to end inside TEACHER_S seconds; their flip-averaged labels of every
# training face (teacher_logits.{npy,json}, for distillation on a CPU later); then the
# student distilled from them on every augmented batch for STUDENT_S seconds, from the
# shipped weights (from scratch when STUDENT_WIDTH is not 16). Everything small enough to
# bring back goes to $OUT as gpu_runs.tar.gz (logs, run.json, PublicTest logits, teacher
# labels, the student's best.pt); the teachers' weights (45 MB each) stay behind.
set -euo pipefail
OUT=${OUT:?set OUT to the folder that comes back}
TEACHER_S=${TEACHER_S:-420}
STUDENT_S=${STUDENT_S:-90}
STUDENT_WIDTH=${STUDENT_WIDTH:-16}
PACK=${PACK:-.gpu}
R=${RUNS:-/tmp/runs}
T="python3 -m classmood train --data $R/data --threads 2"
mkdir -p "$R"
bring_back() {  # on any exit, also a failed step: what exists comes back
  (cd "$R" && tar czf "$OUT/gpu_runs.tar.gz" --ignore-failed-read --exclude='last.pt' --exclude='t?/best.pt' \
     $(ls -d t? s t?.log s.log teacher_logits.npy teacher_logits.json 2>/dev/null)) || true
  ls -la "$OUT"
}
trap bring_back EXIT
python3 tools/pack_fer2013.py unpack "$PACK" "$R/data"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
i=0
for spec in "64 0" "64 1" "48 2"; do set -- $spec
  $T --out "$R/t$i" --width "$1" --seed "$2" --epochs 400 --full-epochs 20 --time-budget "$TEACHER_S" \
     > "$R/t$i.log" 2>&1 &
  i=$((i + 1))
done
for job in $(jobs -p); do wait "$job" || echo "a teacher failed: see its log"; done
tail -n 2 "$R"/t?.log
TE="$R/t0/best.pt,$R/t1/best.pt,$R/t2/best.pt"
python3 - "$TE" "$R" <<'PY'
import sys
from pathlib import Path
from classmood.models.train.data import load_split
from classmood.models.train.distill import teacher_targets
images, _ = load_split(Path(sys.argv[2]) / "data", "train")
teacher_targets(sys.argv[1], images, Path(sys.argv[2]), 2.0)  # writes teacher_logits.{npy,json}
PY
INIT=""  # the shipped weights start a student of the shipped shape; a wider one starts from scratch
[ "$STUDENT_WIDTH" = 16 ] && INIT="--init classmood/models/assets/emotion.npz"
$T --out "$R/s" --width "$STUDENT_WIDTH" --first-stride 2 $INIT --teacher "$TE" \
   --kd 0.8 --kd-temp 2 --lr 0.03 --epochs 300 --full-epochs 20 --select served --time-budget "$STUDENT_S" \
   > "$R/s.log" 2>&1
tail -n 2 "$R/s.log"
