#!/usr/bin/env bash
# One pass over what needs a CUDA machine, in about 8 minutes:
#   (a) versions; (b) scripts/cuda_checks.py checks (RNNs on the GPU against
#   the CPU, device moves, bad indices); (e) step time against a hand-written
#   loop (run before the tests, on a quiet GPU); (c) the whole suite in one
#   process; (d) with the time left, each test file in its own process.
# The summary goes to $OUT/cuda_report.txt (./cuda_report.txt without OUT),
# with the single-process log and the failing files' output beside it.
#
#   scripts/cuda_check.sh            # on the CUDA machine
#   scripts/cuda_check.sh --cpu      # the same steps on the CPU (checks the
#                                    # script; set CUDA_CHECK_FILES to a few
#                                    # test files to keep it short)
#
# Environment: CUDA_CHECK_BUDGET (seconds for everything, default 470),
# CUDA_CHECK_FILES (test files for (c) and (d), default all under tests/),
# CUDA_CHECK_JOBS (parallel files in (d), default 12), CUDA_CHECK_STEPS
# (which of b e c d to run, default all, e.g. "c d" for the tests only). Wheels in .whl/
# (keras 3.15.1 and its missing dependencies) are installed to /tmp/site
# first when present, so the Keras comparisons run there too.
set -uo pipefail
cd "$(dirname "$0")/.."

device=cuda
if [ "${1:-}" = "--cpu" ]; then device=cpu; fi
budget=${CUDA_CHECK_BUDGET:-470}
jobs=${CUDA_CHECK_JOBS:-12}
steps=" ${CUDA_CHECK_STEPS:-b e c d} "
wants() { case "$steps" in *" $1 "*) return 0 ;; esac; return 1; }
out=${OUT:-.}
mkdir -p "$out"
report="$out/cuda_report.txt"
single_log="$out/pytest_single_process.log"
failures_log="$out/per_file_failures.log"
work=$(mktemp -d)
: >"$report"
: >"$failures_log"
export PYTHONUNBUFFERED=1 KERAS_BACKEND=torch PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if [ "$device" = cpu ]; then export CUDA_VISIBLE_DEVICES=""; fi
python=python3
command -v "$python" >/dev/null || python=python

say() { echo "$*" | tee -a "$report"; }
left() { echo $((budget - SECONDS)); }
section() { say ""; say "== $* ($(left)s left)"; }

# -- (a) versions -------------------------------------------------------------
section "versions"
if ! "$python" -c "import torch" 2>/dev/null; then
    say "torch missing: running scripts/setup.sh --test"
    ./scripts/setup.sh --test >>"$report" 2>&1 || say "setup.sh failed"
fi
if ls .whl/*.whl >/dev/null 2>&1; then
    if "$python" -m pip install -q --no-index --no-deps --no-compile \
        --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        >>"$work/pip.log" 2>&1; then
        export PYTHONPATH="$PYTHONPATH:/tmp/site"
        say "installed $(ls .whl | tr '\n' ' ')"
    else
        say "wheel install failed: $(tail -1 "$work/pip.log")"
    fi
fi
"$python" - <<'EOF' 2>&1 | tee -a "$report"
import platform, torch
print(f"python {platform.python_version()}, torch {torch.__version__}, "
      f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
if torch.cuda.is_available():
    print(f"GPU {torch.cuda.get_device_name()}, "
          f"{torch.cuda.get_device_properties(0).total_memory >> 30} GiB")
else:
    print("no CUDA device visible to torch")
try:
    import keras
    print(f"keras {keras.__version__} (reference)")
except Exception as error:
    print(f"keras not importable ({type(error).__name__}): comparisons "
          "with Keras are skipped")
EOF
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total \
        --format=csv,noheader 2>&1 | tee -a "$report"
fi

# -- (b) GPU checks -------------------------------------------------------------
if wants b; then
section "(b) checks on $device"
timeout 150 "$python" scripts/cuda_checks.py checks --device "$device" \
    >"$work/checks.log" 2>&1
status=$?
grep -E "^(PASS|FAIL|checks:|torch )" "$work/checks.log" | tee -a "$report"
if [ $status -ge 124 ]; then say "checks stopped: exit $status (timeout?)"; fi
if grep -q "^FAIL" "$work/checks.log"; then
    { echo "== checks: failure details"; grep -A8 "^FAIL" "$work/checks.log"
    } >>"$failures_log"
fi
fi

# -- (e) step time --------------------------------------------------------------
if wants e; then
section "(e) step time, Lamina against a hand-written torch loop"
bench_args="--repeats 5 --steps 100"
if [ "$device" = cpu ]; then bench_args="--repeats 1 --steps 10"; fi
# shellcheck disable=SC2086
timeout 100 "$python" scripts/cuda_checks.py bench --device "$device" \
    $bench_args >"$work/bench.log" 2>&1
status=$?
grep -vE "^bench:" "$work/bench.log" | tail -8 | tee -a "$report"
if [ $status -ne 0 ]; then say "bench exit $status"; fi
fi

# -- (c) the suite in one process -------------------------------------------------
# (c) runs pytest as a user would (testpaths); (d) goes file by file.
files=${CUDA_CHECK_FILES:-$(find tests -name 'test_*.py' | sort | tr '\n' ' ')}
single_files=${CUDA_CHECK_FILES:-}
timeout_args=""
if "$python" -c "import pytest_timeout" 2>/dev/null; then
    timeout_args="--timeout=120"
fi
single=$(( $(left) / 2 ))
if [ $single -gt 240 ]; then single=240; fi
section "(c) python -m pytest -x -q -p no:randomly, one process, ${single}s"
if ! wants c; then
    say "not asked for"
elif [ $single -ge 20 ]; then
    # shellcheck disable=SC2086
    timeout $single "$python" -m pytest -x -q -p no:randomly \
        $timeout_args $single_files >"$single_log" 2>&1
    status=$?
    if [ $status -ge 124 ]; then
        say "stopped after ${single}s (exit $status); last lines:"
    else
        say "exit $status; last lines:"
    fi
    grep -vE "^\s*$" "$single_log" | tail -6 | cut -c1-300 | tee -a "$report"
else
    say "skipped: too little time left"
fi

# -- (d) each file in its own process ---------------------------------------------
per_file=$(( $(left) - 15 ))
section "(d) each test file in its own process, $jobs at a time, ${per_file}s"
if ! wants d; then
    say "not asked for"
elif [ $per_file -ge 30 ]; then
    mkdir -p "$work/files"
    run_one() {
        # $1 file; writes $work/files/<name>.log and .rc
        local name
        name=$(echo "$1" | tr '/' '_')
        : >"$WORK/files/$name.started"
        # shellcheck disable=SC2086
        timeout "$PER_FILE_LIMIT" "$PYTHON" -m pytest -q -p no:randomly \
            $TIMEOUT_ARGS "$1" \
            >"$WORK/files/$name.log" 2>&1
        echo $? >"$WORK/files/$name.rc"
    }
    export -f run_one
    export WORK="$work" PYTHON="$python" TIMEOUT_ARGS="$timeout_args"
    export PER_FILE_LIMIT=$(( per_file < 150 ? per_file : 150 ))
    # shellcheck disable=SC2086
    printf '%s\n' $files | timeout $per_file xargs -P "$jobs" -I{} \
        bash -c 'run_one "$@"' _ {}
    passed_files=0; failed_files=0; missing=0
    {
        printf '%-6s %-58s %s\n' result file "summary | first error"
        for file in $files; do
            name=$(echo "$file" | tr '/' '_')
            log="$work/files/$name.log"
            rc=$(cat "$work/files/$name.rc" 2>/dev/null || echo none)
            summary=$(grep -E "[0-9]+ (passed|failed|error|skipped)" "$log" \
                2>/dev/null | tail -1 | sed 's/=//g; s/^ *//')
            if [ "$rc" = none ] && [ ! -e "$work/files/$name.started" ]; then
                echo "NOTRUN $file"
                continue
            elif [ "$rc" = none ]; then
                rc=137  # still running when the time ran out
            elif [ "$rc" = 0 ] || [ "$rc" = 5 ]; then
                printf '%-6s %-58s %s\n' PASS "$file" "$summary"
                continue
            fi
            first=$(grep -m1 -E "^E   " "$log" | sed 's/^E *//')
            if [ -z "$first" ]; then
                first=$(grep -m1 -E "^(FAILED|ERROR)" "$log")
            fi
            if [ "$rc" -ge 124 ]; then summary="TIMEOUT (exit $rc) $summary"; fi
            printf '%-6s %-58s %s | %s\n' FAIL "$file" "$summary" \
                "$(echo "$first" | cut -c1-200)"
            {
                echo "== $file (exit $rc)"
                grep -E "^(E   |FAILED|ERROR)" "$log" | head -40
            } >>"$failures_log"
        done
    } >"$work/table.txt"
    passed_files=$(grep -c "^PASS" "$work/table.txt")
    failed_files=$(grep -c "^FAIL" "$work/table.txt")
    missing=$(grep -c "^NOTRUN" "$work/table.txt")
    tests_failed=$(grep -hoE "[0-9]+ failed" "$work"/files/*.log 2>/dev/null \
        | awk '{s += $1} END {print s + 0}')
    tests_passed=$(grep -hoE "[0-9]+ passed" "$work"/files/*.log 2>/dev/null \
        | awk '{s += $1} END {print s + 0}')
    cat "$work/table.txt" >>"$report"
    grep -E "^(FAIL|NOTRUN)" "$work/table.txt" | cut -c1-240
    say "files: $passed_files passed, $failed_files failed, $missing not run;" \
        "tests: $tests_passed passed, $tests_failed failed"
else
    say "skipped: too little time left"
fi

section "done in ${SECONDS}s"
say "report: $report; logs: $single_log, $failures_log"
# Keep what comes back small (the device tool returns files under 16 MiB).
for f in "$single_log" "$failures_log"; do
    if [ -f "$f" ] && [ "$(wc -c <"$f")" -gt 8000000 ]; then
        tail -c 8000000 "$f" >"$f.tmp" && mv "$f.tmp" "$f"
    fi
done
rm -rf "$work"
