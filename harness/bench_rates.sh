# bench_rates.sh - make bench's rates section (being written; sourced by bench.sh)
rates_needed() { :; }
rates_probe() { :; }
rates_env() { :; }
rates_run() { :; }
rates_report() { :; }
