# Shared by scripts/vm/prepare and scripts/vm/run-guest (sourced, not run): where the guest kernel
# lives and how to tell whether the cached initramfs was built from the current sources.
#
# The cache sits outside the repository (/var/cache/arbiter-vm) because it is large (the kernel
# package is ~70 MB), belongs to the machine rather than to a checkout, and must survive fresh
# clones such as the one CI runs in.

vm_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$vm_dir/../.." && pwd)"
cache_dir="${ARBITER_VM_CACHE:-/var/cache/arbiter-vm}"

# The modules the guest's init loads, named as modules.dep names them (without .ko). Their
# dependencies (netfs, fscache, 9pnet, virtio, virtio_ring, ...) are resolved from modules.dep by
# prepare, so a kernel update that moves or adds a dependency needs no change here.
#   virtio_pci     the bus qemu's virtio-9p-pci devices sit on (a module in Debian's kernel)
#   9pnet_virtio   the 9p transport over virtio
#   9p             the filesystem: the host's root (read-only) and the results share
#   overlay        a tmpfs-backed writable layer over the read-only host root
guest_modules=(virtio_pci 9pnet_virtio 9p overlay)

# A fingerprint of everything the initramfs is built from. prepare stores it beside the image and
# run-guest compares it, so an edited guest-init cannot silently boot with a stale copy.
initramfs_fingerprint() {
  {
    printf 'modules: %s\n' "${guest_modules[*]}"
    sha256sum "$vm_dir/guest-init" | cut -d' ' -f1
    sha256sum "$(command -v busybox)" | cut -d' ' -f1
  } | sha256sum | cut -d' ' -f1
}

# The kernel release prepared last ("current" is a symlink that prepare swaps atomically).
current_kernel_dir() {
  readlink -f "$cache_dir/current" 2>/dev/null || true
}
