#!/usr/bin/env bash
# A software Vulkan driver (Mesa's lavapipe) for the webgpu correctness test,
# installed privately into ~/.cache/model-studio/lavapipe: nothing system-wide
# changes. Debian bookworm's own mesa-vulkan-drivers (22.3) is rejected by
# Dawn ("shaderUniform*ArrayDynamicIndexing required"); bookworm-backports'
# Mesa 25 works. The packages come from Debian's archive with
# a private apt state, are unpacked with dpkg -x, and the ICD file is
# rewritten to point at the unpacked driver.
#
#   bash scripts/installLavapipe.sh      # then: npm run test:webgpu
#
# The test finds it at that path (or MODEL_STUDIO_LAVAPIPE=DIR) and skips,
# saying why, when it is absent.
set -euo pipefail

dest="${MODEL_STUDIO_LAVAPIPE:-$HOME/.cache/model-studio/lavapipe}"
icd="$dest/lvp_icd.json"
if [ -f "$icd" ]; then
  echo "lavapipe already in $dest"
  exit 0
fi
if [ "$(dpkg --print-architecture 2>/dev/null)" != amd64 ] || ! grep -q bookworm /etc/os-release 2>/dev/null; then
  echo "installLavapipe: written for Debian bookworm amd64; skipped on this system" >&2
  exit 1
fi

state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
chmod 755 "$state" # apt-get download fetches as the _apt user
mkdir -p "$state/lists/partial" "$state/debs"
cat >"$state/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-backports main
EOF
apt=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$state/lists" -o Debug::NoLocking=1)
apt-get "${apt[@]}" update -qq
# Mesa 25 and the libdrm it needs from backports; the Vulkan loader from bookworm.
# Everything else it links against (LLVM 15, xcb, wayland) is in bookworm.
(cd "$state/debs" && apt-get "${apt[@]}" download \
  mesa-vulkan-drivers/bookworm-backports libdrm2/bookworm-backports libdrm-amdgpu1/bookworm-backports \
  libvulkan1/bookworm libllvm15/bookworm libz3-4/bookworm libxcb-randr0/bookworm libxshmfence1/bookworm \
  libwayland-client0/bookworm libx11-xcb1/bookworm libxcb-dri3-0/bookworm libxcb-present0/bookworm libxcb-sync1/bookworm \
  libxcb-xfixes0/bookworm libxcb-shm0/bookworm)

tmp="$dest.partial"
rm -rf "$tmp"
mkdir -p "$tmp"
for deb in "$state"/debs/*.deb; do
  dpkg -x "$deb" "$tmp/root"
done
lib="$tmp/root/usr/lib/x86_64-linux-gnu"
[ -f "$lib/libvulkan_lvp.so" ] || { echo "installLavapipe: libvulkan_lvp.so missing from the packages" >&2; exit 1; }
# The ICD names the driver by absolute path; point it into the final folder.
sed "s#\"library_path\": *\"[^\"]*\"#\"library_path\": \"$dest/root/usr/lib/x86_64-linux-gnu/libvulkan_lvp.so\"#" \
  "$tmp/root/usr/share/vulkan/icd.d/lvp_icd.json" >"$tmp/lvp_icd.json"
rm -rf "$dest"
mv "$tmp" "$dest"
echo "lavapipe (Mesa $(dpkg-deb -f "$state"/debs/mesa-vulkan-drivers_*.deb Version)) in $dest"
