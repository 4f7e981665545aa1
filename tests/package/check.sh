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

unzip -l "$work/feed/EinsumGen.$version.nupkg" > "$work/contents.txt"
for dll in EinsumGen.Generator.dll EinsumGen.CodeFixes.dll; do
  grep -q "analyzers/dotnet/cs/$dll" "$work/contents.txt" || { echo "package check: $dll is not under analyzers/dotnet/cs" >&2; exit 1; }
done
dotnet build "$work/app/App.csproj" -c Release --nologo -v quiet
dotnet "$work/app/bin/Release/net10.0/App.dll"

# The package's build/EinsumGen.props hands EinsumGenDerivatives to the generator: turned off, MatMulBackward is not written.
if dotnet build "$work/app/App.csproj" -c Release --nologo -v quiet -p:EinsumGenDerivatives=false > "$work/forward-only.log" 2>&1 \
   || ! grep -q "error CS0117.*MatMulBackward" "$work/forward-only.log"; then
  echo "package check: EinsumGenDerivatives=false did not reach the generator" >&2; cat "$work/forward-only.log" >&2; exit 1
fi
echo "package check: EinsumGenDerivatives=false leaves out MatMulBackward"

# One error per mistake: the generator and the analyzer do not both report it, and no CS8795 follows it.
cp "$root/tests/package/app/Broken.cs.txt" "$work/app/Broken.cs"
if dotnet build "$work/app/App.csproj" -c Release --nologo -v quiet > "$work/broken.log" 2>&1; then
  echo "package check: a broken [Einsum] method built" >&2; exit 1
fi
# MSBuild repeats each error in its summary: count distinct error lines.
errors="$(grep -E ": error [A-Z]+[0-9]+" "$work/broken.log" | sort -u | grep -oE "error [A-Z]+[0-9]+" | sort | uniq -c | sed 's/^ *//' | tr '\n' ';')"
# EG0026 is a warning; the app treats warnings as errors, as this repository does, so it counts as the second error.
if [ "$errors" != "1 error EG0006;1 error EG0026;" ]; then
  echo "package check: expected one EG0006 and one EG0026, got: $errors" >&2; cat "$work/broken.log" >&2; exit 1
fi
echo "package check: broken methods give one error each ($errors)"
