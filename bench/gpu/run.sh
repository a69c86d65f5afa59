#!/usr/bin/env bash
# The GPU check, run from the folder bench/gpu/build.mjs makes
# (bench/gpu/README.md). Checks the NVIDIA Vulkan driver, then trains the
# MNIST MLP and CNN on webgpu against cpu and prints samples/s; with no GPU
# (or --dry) it says why and only checks that the bundle loads, exiting 0.
#
#   ./run.sh [--dry] [--allow-software] [check.cjs options: --batches N, --models mlp,cnn, ...]
#
# Node: `node` on PATH when it is 20 or newer, else the node.gz carried
# beside this script (build.mjs --with-node), unpacked once into ./.node/
# (or TMPDIR when this folder is read-only).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ ! -f "$here/check.cjs" ] && [ -f "$here/build.mjs" ]; then
  # Started from the repository (bench/gpu/run.sh): build the folder, then run that copy.
  node "$here/build.mjs" --out "$here/../../out/gpucheck" || exit 2
  exec "$here/../../out/gpucheck/run.sh" "$@"
fi
dry=""
software=""
for arg in "$@"; do
  [ "$arg" = --dry ] && dry=1
  [ "$arg" = --allow-software ] && software=1
done
why=""
add_why() { why="${why:+$why; }$1"; }

node_ok() { "$1" -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' >/dev/null 2>&1; }
# Unpacked beside this script, or under TMPDIR when the folder is read-only.
unpacked="$here/.node/node"
{ mkdir -p "$here/.node" && [ -w "$here/.node" ]; } 2>/dev/null || unpacked="${TMPDIR:-/tmp}/model-studio-gpucheck-node/node"
node_bin=""
if command -v node >/dev/null && node_ok node; then
  node_bin="$(command -v node)"
elif [ -x "$unpacked" ] && node_ok "$unpacked"; then
  node_bin="$unpacked"
elif [ -f "$here/node.gz" ]; then
  echo "node: none of version 20 or newer on PATH; unpacking the carried $(cat "$here/node.version" 2>/dev/null) to $unpacked"
  mkdir -p "$(dirname "$unpacked")" && gzip -dc "$here/node.gz" >"$unpacked" && chmod +x "$unpacked"
  node_bin="$unpacked"
fi
if [ -z "$node_bin" ] || ! node_ok "$node_bin"; then
  echo "no Node.js 20 or newer on PATH and no node.gz here: build with 'node bench/gpu/build.mjs --with-node'" >&2
  exit 2
fi
echo "node: $node_bin ($("$node_bin" --version))"

# The driver, piece by piece: each line says what was found or what is missing.
gpu=""
if ! command -v nvidia-smi >/dev/null; then
  echo "driver: no nvidia-smi: no NVIDIA driver installed (or not on PATH)"
  add_why "no nvidia-smi"
elif ! smi="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)"; then
  echo "driver: nvidia-smi fails: $smi"
  add_why "nvidia-smi fails"
else
  echo "driver: nvidia-smi: $smi"
  gpu=1
fi

# The Vulkan ICD that points the loader at NVIDIA's driver (libGLX_nvidia.so.0). Containers get it only with
# NVIDIA_DRIVER_CAPABILITIES including "graphics" (or "all"): "compute,utility" gives CUDA but no Vulkan.
icds=()
IFS=: read -ra named <<<"${VK_ICD_FILENAMES:-${VK_DRIVER_FILES:-}}"
for file in ${named[@]+"${named[@]}"}; do [ -f "$file" ] && icds+=("$file"); done
for dir in /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
  for file in "$dir"/*.json; do [ -f "$file" ] && icds+=("$file"); done
done
nvidia_icd=""
for file in ${icds[@]+"${icds[@]}"}; do grep -qi nvidia "$file" && nvidia_icd="$file"; done
if [ ${#icds[@]} -eq 0 ]; then
  echo "vulkan: no ICD json in /etc/vulkan/icd.d, /usr/share/vulkan/icd.d or VK_ICD_FILENAMES (no Vulkan driver registered)"
elif [ -n "$nvidia_icd" ]; then
  echo "vulkan: NVIDIA ICD $nvidia_icd"
else
  echo "vulkan: ICDs but none for NVIDIA: ${icds[*]}"
fi
if [ -n "$gpu" ] && [ -z "$nvidia_icd" ]; then
  # The driver's Vulkan library may be there without its json (a container's driver mount): register it ourselves.
  glx="$(ldconfig -p 2>/dev/null | grep -m1 'libGLX_nvidia.so.0 ' | sed 's/.*=> //')"
  if [ -n "$glx" ]; then
    icd_dir="${TMPDIR:-/tmp}/model-studio-gpucheck-icd"
    mkdir -p "$icd_dir"
    printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$glx" >"$icd_dir/nvidia_icd.json"
    export VK_ICD_FILENAMES="$icd_dir/nvidia_icd.json"
    echo "  NVIDIA's Vulkan library is there ($glx): using an ICD json written to $VK_ICD_FILENAMES"
  else
    echo "  no libGLX_nvidia.so.0 either: the driver is installed without Vulkan; in a container set"
    echo "  NVIDIA_DRIVER_CAPABILITIES=all (or compute,utility,graphics): compute,utility gives CUDA but no Vulkan"
  fi
fi

loader=""
IFS=: read -ra lib_dirs <<<"${LD_LIBRARY_PATH:-}"
for dir in ${lib_dirs[@]+"${lib_dirs[@]}"}; do [ -n "$dir" ] && [ -e "$dir/libvulkan.so.1" ] && loader="$dir/libvulkan.so.1" && break; done
[ -z "$loader" ] && loader="$(ldconfig -p 2>/dev/null | grep -m1 'libvulkan.so.1 ' | sed 's/.*=> //')"
if [ -n "$loader" ]; then
  echo "vulkan: loader $loader"
elif [ -f "$here/lib/libvulkan.so.1" ]; then
  # The carried loader (build.mjs): Dawn dlopens libvulkan.so.1, webgpuBackend.ts looks along LD_LIBRARY_PATH.
  export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "vulkan: no loader (libvulkan.so.1) on this machine: using the carried $here/lib/libvulkan.so.1"
else
  echo "vulkan: no loader (libvulkan.so.1): Dawn cannot reach any Vulkan driver (Debian/Ubuntu: apt install libvulkan1)"
  add_why "no libvulkan.so.1"
fi
if command -v vulkaninfo >/dev/null; then
  echo "vulkan: vulkaninfo --summary:"
  vulkaninfo --summary 2>&1 | grep -E 'deviceName|deviceType|driverName|apiVersion' | sed 's/^/  /'
else
  echo "vulkan: no vulkaninfo (optional: apt install vulkan-tools); Dawn's adapter below says what it found"
fi

args=()
if [ -n "$gpu" ]; then
  args+=(--expect-gpu)
elif [ -z "$dry" ] && [ -z "$software" ]; then
  args+=(--dry --why "${why:-no NVIDIA GPU}")
fi
# Dawn warns on stderr about every Vulkan ICD it cannot open; the adapter line says what it used.
exec "$node_bin" "$here/check.cjs" ${args[@]+"${args[@]}"} "$@"
