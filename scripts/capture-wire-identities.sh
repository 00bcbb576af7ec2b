#!/usr/bin/env bash
# Captures what a released commit puts on the Orleans wire (grain interface types, invokable and
# serialized type names, [Alias] names) into Zapnoty.Grains.Tests/WireContract/previous-release.txt,
# which WireCompatibilityTests hold this build to. Run it with the commit of the last release
# (docs/DESIGN.md "Wire contract"): scripts/capture-wire-identities.sh dde0d7d
set -euo pipefail
release="${1:?usage: $0 <released commit>}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/Zapnoty.Grains.Tests/WireContract/previous-release.txt"
tree="$(mktemp -d)/release"
git -C "$repo" worktree add --detach "$tree" "$release" >/dev/null
trap 'git -C "$repo" worktree remove --force "$tree"' EXIT

mkdir "$tree/capture"
cat > "$tree/capture/Capture.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.Orleans.Sdk" />
    <ProjectReference Include="../Zapnoty.Grains/Zapnoty.Grains.csproj" />
    <Compile Include="$repo/Zapnoty.Grains.Tests/WireContract/WireIdentities.cs" />
  </ItemGroup>
</Project>
XML
cat > "$tree/capture/Program.cs" <<'CS'
using Zapnoty.Grains.Tests.WireContract;
var assembly = typeof(Zapnoty.Grains.Tickets.ITicketGrain).Assembly;
foreach (var (item, identity) in WireIdentities.Of(assembly, WireIdentities.Serializer(assembly)))
    Console.WriteLine($"{item} = {identity}");
CS
dotnet build "$tree/capture" -c Release -nologo -v quiet
{
    echo "# What commit $(git -C "$repo" rev-parse --short "$release") puts on the wire; written by scripts/capture-wire-identities.sh."
    dotnet "$tree/capture/bin/Release/net10.0/Capture.dll"
} > "$out"
echo "wrote $out ($(grep -vc '^#' "$out") identities)"
