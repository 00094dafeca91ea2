#!/usr/bin/env python3
"""Draws scripts/bench.sh's results as an SVG bar chart: each throughput figure as a percentage
of direct, for HAProxy x2 and plemu (direct is the 100 % line). No dependencies.

Usage: bench_chart.py RESULTS OUT.svg
"""
import sys

rows = []
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) == 6 and parts[4].endswith("%") and parts[5].endswith("%"):
        rows.append((parts[0], float(parts[4][:-1]), float(parts[5][:-1])))

W, BAR, GAP, LEFT, TOP = 640, 18, 22, 150, 40
height = TOP + len(rows) * (2 * BAR + GAP) + 40
scale = (W - LEFT - 60) / 120.0  # 120 % across
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{height}" fill="white"/>',
       f'<text x="{LEFT}" y="20" font-size="14">Through each path, % of a direct connection (same run)</text>']
x100 = LEFT + 100 * scale
svg.append(f'<line x1="{x100}" y1="{TOP - 8}" x2="{x100}" y2="{height - 30}" stroke="#888" stroke-dasharray="4 3"/>')
svg.append(f'<text x="{x100 - 20}" y="{height - 14}" fill="#555">direct 100 %</text>')
y = TOP
for name, haproxy, plemu in rows:
    svg.append(f'<text x="{LEFT - 8}" y="{y + BAR + 4}" text-anchor="end">{name}</text>')
    for value, colour, label in ((haproxy, "#9aa5b1", "HAProxy x2"), (plemu, "#2b6cb0", "plemu")):
        svg.append(f'<rect x="{LEFT}" y="{y}" width="{value * scale:.1f}" height="{BAR - 2}" fill="{colour}"/>')
        svg.append(f'<text x="{LEFT + value * scale + 4:.1f}" y="{y + BAR - 5}">{label} {value:.0f} %</text>')
        y += BAR
    y += GAP
svg.append("</svg>")
open(sys.argv[2], "w").write("\n".join(svg) + "\n")
