"""Reads the benchmark's JSON lines and prints one summary line against the README targets."""
import json
import sys

figures = {}
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if line:
            fig = json.loads(line)
            figures[fig["name"]] = fig["value"]

# (figure, limit, how it compares) — the targets written next to the figures in the README.
targets = [
    ("store.persist_decisions_ratio", 0.25, "<="),
    ("store.cold_start_ratio", 0.5, "<="),
    ("store.cold_start_ms", 1000, "<"),
    ("engine.start_review_ms", 100, "<"),
    ("engine.record_decisions_ms", 100, "<"),
    ("engine.stop_current_stage_ms", 100, "<"),
    ("engine.compute_results_ms", 100, "<"),
    ("reviewer.first_render_ms", 150, "<"),
    ("reviewer.row_elements", 200, "<"),
    ("overview.decision_click_to_update_ms", 50, "<"),
    ("size.admin_page_gzip_bytes", 600 * 1024, "<="),
    ("size.reviewer_page_gzip_bytes", 250 * 1024, "<="),
    ("reviewer.link_first_row_loopback_ms", 400, "<"),
    ("reviewer.link_first_row_slow_ms", 2500, "<"),
]
met, missed, absent = [], [], []
for name, limit, op in targets:
    if name not in figures:
        absent.append(name)
        continue
    value = figures[name]
    ok = value <= limit if op == "<=" else value < limit
    (met if ok else missed).append(f"{name}={value} (target {op} {limit})")
print(
    f"summary: {len(met)} of {len(targets)} targets met"
    + (f"; missed: {', '.join(missed)}" if missed else "")
    + (f"; not measured: {', '.join(absent)}" if absent else "")
)
