#!/usr/bin/env bash
# Rebuild the charts shown in README.md ("What it shows") from the bundled scenarios.
# Usage: bash docs/make_figures.sh   (about fifteen minutes on 2 cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=docs/figures
mkdir -p "$out"

# Effect 1: the "30% more leads" plan against today, with the why.
salessim compare baseline more_leads_30 -n 30 --seed 2026 --explain --out "$work/more_leads"
cp "$work/more_leads/comparison.png" "$out/more_leads_comparison.png"
cp "$work/more_leads/explain.png" "$out/more_leads_explain.png"

# Effect 1: bookings across marketing lead volume, 0.5× to 2× today's.
salessim sweep baseline --param lead_volume_multiplier --values 0.5,0.75,1,1.25,1.5,2 \
    -n 10 --seed 2026 --metric bookings --metric profit --out "$work/lead_volume"
cp "$work/lead_volume/sweep_bookings.png" "$out/lead_volume_bookings.png"
cp "$work/lead_volume/sweep_profit.png" "$out/lead_volume_profit.png"

# Effect 1 mapped: where +30% leads pay and where they hurt, by team size (AEs) and by the fit
# of the extra web leads; each cell is the paired difference from today's volume.
salessim sweep baseline --param aes.count --values 6,8,10,12,16 \
    --param2 lead_volume_multiplier --values 1,1.3 -n 10 --seed 2026 \
    --metric bookings --metric profit --metric opportunities --metric deals_lost_neglect \
    --out "$work/capacity_map"
cp "$work/capacity_map/sweep_grid.png" "$out/more_leads_by_capacity.png"
salessim sweep baseline --param lead_sources.web_inbound.marginal_fit_share \
    --values 0.1,0.2,0.3,0.4,0.5 --param2 lead_sources.web_inbound.volume_multiplier \
    --values 1,1.3 -n 10 --seed 2026 \
    --metric bookings --metric profit --metric opportunities --metric deals_lost_neglect \
    --out "$work/fit_map"
cp "$work/fit_map/sweep_grid.png" "$out/more_leads_by_fit.png"

# Effect 2: own calling against teleprospecting and a daily calling block.
salessim compare reps_own_calling teleprospecting time_blocked_prospecting -n 30 --seed 2026 \
    --out "$work/own_calling"
cp "$work/own_calling/comparison.png" "$out/own_calling_comparison.png"

# Effect 2: one team's timeline (a single run: averages over runs would smooth the cycle away).
salessim run reps_own_calling -n 1 --seed 2026 --out "$work/own_calling_run"
cp "$work/own_calling_run/dashboard.png" "$out/own_calling_dashboard.png"
salessim run teleprospecting -n 1 --seed 2026 --out "$work/teleprospecting_run"
cp "$work/teleprospecting_run/dashboard.png" "$out/teleprospecting_dashboard.png"
echo "charts written to $out"
