#!/usr/bin/env bash
# Packs EinsumGen, installs it into a fresh net10.0 console project from a local folder (as a user would, referencing
# only the package), builds an [Einsum] method and runs it: the generated product and gradient must come out right.
# A unique package version per run, removed from the NuGet cache afterwards, so a stale copy is never used. Restore
# reads the local folder plus the sources the machine already has configured.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
version="0.1.0-check.$(date +%s).$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/einsumgen-package.XXXXXX")"
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}/einsumgen/$version"
cleanup() { rm -rf "$work" "$cache"; }
trap cleanup EXIT

echo "package check: packing EinsumGen $version"
# Never a repo-level Directory.Build.props in the consumer: the app lives outside the repository.
dotnet pack "$root/src/Runtime/EinsumGen.Runtime.csproj" -c Release -p:PackageVersion="$version" -o "$work/feed" --nologo -v quiet

mkdir -p "$work/app"
cp "$root/tests/package/app/Program.cs" "$work/app/"
sed "s/@VERSION@/$version/" "$root/tests/package/app/App.csproj.in" > "$work/app/App.csproj"
cat > "$work/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="einsumgen-local" value="$work/feed" />
  </packageSources>
</configuration>
CONFIG

unzip -l "$work/feed/EinsumGen.$version.nupkg" | grep -q "analyzers/dotnet/cs/EinsumGen.Generator.dll" \
  || { echo "package check: the generator is not under analyzers/dotnet/cs" >&2; exit 1; }
dotnet build "$work/app/App.csproj" -c Release --nologo -v quiet
dotnet "$work/app/bin/Release/net10.0/App.dll"
