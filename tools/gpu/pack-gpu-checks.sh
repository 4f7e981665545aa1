#!/usr/bin/env bash
# Packs benchmarks/EinsumGen.GpuBenchmarks (the GPU benchmark and its --check) into .gpu/ for a GPU machine that has no
# .NET: the .NET runtime as one archive (~26 MB) and a framework-dependent publish of the app. The same layout as the
# workplace's pack tool, which fails in a git worktree (.git is a file there); this one also works in a worktree.
# Then, on the device: bash tools/gpu/run-gpu-checks.sh (with .gpu carried along).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qx '/.gpu/' "$exclude" 2>/dev/null || echo '/.gpu/' >> "$exclude"
mkdir -p .gpu
dn=$(dirname "$(readlink -f "$(command -v dotnet)")")
rt=$(ls -d "$dn"/shared/Microsoft.NETCore.App/* | sort -V | tail -n 1)
ver=$(basename "$rt")
if [ ! -s ".gpu/dotnet-runtime-$ver.tar.xz" ]; then
  rm -f .gpu/dotnet-runtime-*.tar.xz
  echo "packing the .NET $ver runtime (about 30 s)..." >&2
  tar -C "$dn" -cJf ".gpu/dotnet-runtime-$ver.tar.xz" dotnet host/fxr "shared/Microsoft.NETCore.App/$ver"
fi
rm -rf .gpu/app
dotnet publish benchmarks/EinsumGen.GpuBenchmarks/EinsumGen.GpuBenchmarks.csproj -c Release -o .gpu/app --self-contained false -r linux-x64 \
  -p:DebugType=none >&2
cat > .gpu/run <<'RUN'
#!/usr/bin/env bash
set -e
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/dotnet
[ -x /tmp/dotnet/dotnet ] || tar -C /tmp/dotnet -xJf "$here"/dotnet-runtime-*.tar.xz
export DOTNET_ROOT=/tmp/dotnet DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
exec /tmp/dotnet/dotnet "$here/app/EinsumGen.GpuBenchmarks.dll" "$@"
RUN
chmod +x .gpu/run
du -sh .gpu >&2
echo "ready: on the device, bash tools/gpu/run-gpu-checks.sh (carry .gpu)" >&2
