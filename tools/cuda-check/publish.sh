#!/usr/bin/env bash
# Publishes tools/cuda-check self-contained, trimmed and compressed into publish/cuda-check (git-ignored), small
# enough to travel to the GPU machine (which has no .NET) with the repository.
# TreatWarningsAsErrors=false: the trimmer's IL2026 warnings on ChatTemplate's JsonSerializer calls (the checks and
# benchmarks of run 17c passed with them) would otherwise stop the publish (since 2026-12-03).
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet publish tools/cuda-check -c Release -r linux-x64 --self-contained -nologo \
  -p:PublishSingleFile=true -p:PublishTrimmed=true -p:EnableCompressionInSingleFile=true \
  -p:DebugType=none -p:TreatWarningsAsErrors=false -o publish/cuda-check
ls -la publish/cuda-check
