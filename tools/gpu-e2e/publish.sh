#!/usr/bin/env bash
# Publishes tools/gpu-e2e (the gateway and the cascade benchmark in one program) self-contained, trimmed and
# compressed into .e2e/ (git-ignored), split into parts small enough to travel to the GPU machine beside the
# repository (64 MiB a call, the repository included): docs/cascade-benchmark.md, "Measured on a GPU".
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.e2e
rm -rf "$out" && mkdir -p "$out"
dotnet publish tools/gpu-e2e -c Release -r linux-x64 --self-contained -nologo -clp:ErrorsOnly \
  -p:PublishSingleFile=true -p:PublishTrimmed=true -p:TrimMode=partial -p:EnableCompressionInSingleFile=true \
  -p:EnableConfigurationBindingGenerator=true -p:DebugType=none -o /tmp/gg-e2e-publish
cp /tmp/gg-e2e-publish/gg-e2e "$out/"
ls -la "$out"
