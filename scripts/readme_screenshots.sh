#!/usr/bin/env bash
# The README's two screenshots, from the demo batch's HTML (City of Merlinford, synthetic, 2023):
#   make demo && bash scripts/readme_screenshots.sh [OUT_DIR]
# Needs headless Chromium (Debian: apt-get install -y chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-outputs}"
for pair in "m2_appointment:report-m2" "summary:report-summary"; do
    page="${pair%%:*}"
    image="${pair##*:}"
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1500 \
        --screenshot="docs/images/${image}.png" "file://$(realpath "$out")/2023/merlinford/${page}.html"
done
