#!/bin/bash
# A Worldsmith dataset as a Slurm job array: task i of n renders shard i/n of the prompts into one
# shared output folder; a last job, started when every task has finished, merges the shards.
#
#   sbatch --array=0-7 docs/slurm_batch.sh prompts.jsonl /shared/data
#   sbatch --dependency=afterany:<array job id> --wrap "worldsmith batch merge --out /shared/data"
#
# The prompts file and the output folder must be on a file system every node sees. A task that is
# preempted or fails is re-run with the same command (`scontrol requeue`): finished prompts are
# skipped, an interrupted one is redone from scratch. `worldsmith batch merge` can run at any time
# and as often as you like; it says which shards and prompts are still missing.
#SBATCH --job-name=worldsmith
#SBATCH --cpus-per-task=8
#SBATCH --gres=gpu:1
#SBATCH --mem=24G
#SBATCH --time=12:00:00
#SBATCH --requeue
#SBATCH --output=%x-%A_%a.log
set -euo pipefail

PROMPTS=${1:?usage: sbatch --array=0-N docs/slurm_batch.sh PROMPTS OUT}
OUT=${2:?usage: sbatch --array=0-N docs/slurm_batch.sh PROMPTS OUT}
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array}"
# the number of tasks: SLURM_ARRAY_TASK_COUNT when the array starts at 0 with step 1
N=${SLURM_ARRAY_TASK_COUNT:-$((SLURM_ARRAY_TASK_MAX + 1))}

# With a GPU: the model on it (an 8B GGUF, all layers) and Cycles on it too. Without one, drop
# --gpu-layers/--device and use --jobs to run several workers on the task's CPUs.
exec worldsmith batch "$PROMPTS" --out "$OUT" --shard "$SLURM_ARRAY_TASK_ID/$N" \
    --model "${WORLDSMITH_MODEL:-qwen3-8b}" --gpu-layers -1 \
    --engine cycles --device gpu --samples 16 --resolution 640x360 \
    --threads "${SLURM_CPUS_PER_TASK:-8}"
