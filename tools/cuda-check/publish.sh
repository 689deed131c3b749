#!/usr/bin/env bash
# Publishes tools/cuda-check self-contained, trimmed and compressed into publish/cuda-check (git-ignored), small
# enough to travel to the GPU machine (which has no .NET) with the repository.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet publish tools/cuda-check -c Release -r linux-x64 --self-contained -nologo \
  -p:PublishSingleFile=true -p:PublishTrimmed=true -p:EnableCompressionInSingleFile=true \
  -p:DebugType=none -o publish/cuda-check
ls -la publish/cuda-check
