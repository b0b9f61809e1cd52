# bench_floors.sh - make bench's floors section (being written; sourced by bench.sh)
floors_needed() { :; }
floors_probe() { :; }
floors_env() { :; }
floors_run() { :; }
floors_report() { :; }
costs_write() { :; }
costs_report() { :; }
