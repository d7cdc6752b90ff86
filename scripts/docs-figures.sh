#!/usr/bin/env bash
# Re-run every result quoted in README.md (and docs/) and rewrite its marked block, or with --check
# compare and fail on a difference; see scripts/docs_figures.py for the markers and the rules.
# usage: scripts/docs-figures.sh [--check] [--quick] [--list] [--build DIR] [NAME...]
#   --quick  only the figures that take under a minute (what the docs_figures test checks)
# Needs a build (build/regmnist) and the data (scripts/get-data.sh mnist; scripts/get-data.sh iris).
set -euo pipefail
exec python3 "$(dirname "$0")/docs_figures.py" "$@"
