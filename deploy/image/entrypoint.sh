#!/bin/sh
# The image's entrypoint (/usr/local/bin/arbiter-entrypoint): makes the container's own cgroup
# writable, then runs `node bin/arbiter.js` with the container's arguments (`serve ...` by default).
#
# Why: podman, Docker and the kubelet mount /sys/fs/cgroup read-only in a container that is not
# privileged, and the sandbox creates a cgroup for each slot and run beneath its own. Each of those
# mounts shows only the container's own cgroup (a bind mount of it, or the root of the container's
# private cgroup namespace), so remounting it read-write, which CAP_SYS_ADMIN allows, lets Arbiter
# manage its own subtree and nothing else. Bind-mounting the host's /sys/fs/cgroup read-write instead
# would hand the container every cgroup of the host, and under cgroup v1 the hierarchy root's
# release_agent, a known way out of a container.
#
# Only the mounts the sandbox uses are touched (cgroup v2's, or v1's memory, pids and cpuacct), and
# only when the mount's root is this process's own cgroup: one showing more (a host hierarchy
# without a cgroup namespace) is left alone with a warning. Nothing here is fatal: without
# CAP_SYS_ADMIN, or under an AppArmor profile that forbids mount, Arbiter starts anyway and its
# sandbox (and `doctor`) says what is missing.
set -eu

remount_own_cgroups() {
  # /proc/self/cgroup lines are ID:CONTROLLERS:PATH; /proc/self/mountinfo fields are
  # ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS.
  awk '
    FNR == NR {
      first = index($0, ":"); rest = substr($0, first + 1); second = index(rest, ":")
      own[substr(rest, 1, second - 1)] = substr(rest, second + 1)
      next
    }
    $5 == "/sys/fs/cgroup" || index($5, "/sys/fs/cgroup/") == 1 {
      sep = 0
      for (i = 7; i <= NF; i++) if ($i == "-") { sep = i; break }
      if (!sep || ("," $6 ",") !~ /,ro,/) next
      fstype = $(sep + 1); super = "," $(sep + 3) ","
      key = "-"
      if (fstype == "cgroup2") key = ""
      else if (fstype == "cgroup") {
        # Only the v1 controllers the sandbox uses; devices, cpuset, freezer... stay read-only.
        if (super !~ /,(memory|pids|cpuacct),/) next
        # The v1 hierarchy whose controllers (or name=) all appear in the super options.
        for (controllers in own) {
          if (controllers == "") continue
          n = split(controllers, c, ","); all = 1
          for (j = 1; j <= n; j++) if (index(super, "," c[j] ",") == 0) all = 0
          if (all) { key = controllers; break }
        }
      } else next
      if (key != "-" && (key in own) && $4 == own[key]) print "own " $5
      else print "other " $5
    }
  ' /proc/self/cgroup /proc/self/mountinfo | while read -r kind mountpoint; do
    if [ "$kind" = own ]; then
      mount -o remount,bind,rw "$mountpoint" 2>/dev/null ||
        echo "arbiter-entrypoint: cannot make $mountpoint writable" \
          "(an AppArmor profile that forbids mount? see deploy/image/README.md)" >&2
    else
      echo "arbiter-entrypoint: $mountpoint is read-only and shows more than this container's" \
        "cgroup; left as it is (give the container its own cgroup namespace: --cgroupns=private)" >&2
    fi
  done
}

# CAP_SYS_ADMIN is bit 21 of the effective set; without it (a scale-out API node that runs no
# programs) there is nothing to try.
has_sys_admin() {
  cap_eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
  [ -n "$cap_eff" ] && [ $((0x$cap_eff >> 21 & 1)) -eq 1 ]
}

if [ "$(id -u)" = 0 ] && has_sys_admin; then remount_own_cgroups; fi
exec node /opt/arbiter/bin/arbiter.js "$@"
