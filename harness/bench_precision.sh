# bench_precision.sh - make bench's precision section (being written; sourced by bench.sh)
precision_needed() { :; }
precision_probe() { :; }
precision_env() { :; }
precision_run() { :; }
precision_report() { :; }
