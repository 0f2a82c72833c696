#!/usr/bin/env bash
# The layering rule, checked: modules bottom to top
#   util < model < data < clamp < metrics < train < config < io < sweep < analysis < cli
# A file may include only headers of its own module or of modules below it (public headers in
# include/ihsweep/ belong to the module named in HEADER_MODULE below; "<module>/x.h" is that
# module's internal header). The core modules (util .. train) include no MPI, HDF5, cJSON or
# PLplot header, and with a build directory their libraries reference no such symbol.
#
# usage: check_layers.sh SOURCE_ROOT [BUILD_DIR]   (exit 1 and one line per violation)
set -u
root=$1
build=${2:-}
order="util model data clamp metrics train config io sweep analysis cli"
core="util model data clamp metrics train"

# Public header -> module. A header missing here is a violation too (say where it belongs).
declare -A HEADER_MODULE=(
  [error.h]=util [clock.h]=util [hash.h]=util [rng.h]=util [version.h]=util [atomic_file.h]=util
  [json_out.h]=util [suggest.h]=util
  [model.h]=model [checkpoint.h]=model
  [data.h]=data
  [clamp.h]=clamp
  [metrics.h]=metrics [result.h]=metrics [toy.h]=metrics
  [train.h]=train
  [config.h]=config [sweep_plan.h]=config
  [results.h]=io [mpi_agree.h]=io [toy_file.h]=io [exemplar_file.h]=io
  [sweep.h]=sweep
  [analysis.h]=analysis [pca.h]=analysis [plot.h]=analysis
)

violations=0
report() { echo "layering: $*"; violations=$((violations + 1)); }

# "file module header" for every include of every source file and public header.
list_includes() {
  local dir mod f h
  for dir in "$root"/src/*/; do
    mod=$(basename "$dir")
    for f in "$dir"*.c "$dir"*.h; do
      [ -e "$f" ] && sed -nE "s|^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]([^\">]+)[\">].*|$f $mod \\1|p" "$f"
    done
    echo "$dir $mod -" # the module itself must be in the order
  done
  for f in "$root"/include/ihsweep/*.h; do
    h=$(basename "$f")
    mod=${HEADER_MODULE[$h]:-?}
    sed -nE "s|^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]([^\">]+)[\">].*|$f $mod \\1|p" "$f"
    echo "$f $mod -"
  done
}

headers=$(for h in "${!HEADER_MODULE[@]}"; do echo "$h=${HEADER_MODULE[$h]}"; done)
while IFS= read -r line; do
  report "$line"
done < <(list_includes | awk -v order="$order" -v core="$core" -v headers="$headers" '
  BEGIN {
    n = split(order, o, " "); for (i = 1; i <= n; i++) rank[o[i]] = i
    split(core, c, " "); for (i in c) is_core[c[i]] = 1
    split(headers, hs, "\n"); for (i in hs) { split(hs[i], kv, "="); owner[kv[1]] = kv[2] }
  }
  {
    file = $1; mod = $2; hdr = $3
    if (!(mod in rank)) { if (!seen[file]++) print file " has no module in check_layers.sh"; next }
    if (hdr == "-") next
    target = ""
    if (hdr ~ /^ihsweep\//) {
      h = substr(hdr, 9)
      if (!(h in owner)) { print file " includes " hdr ", which has no module in check_layers.sh"; next }
      target = owner[h]
    } else if (hdr ~ /^(mpi\.h|hdf5\.h|hdf5_hl\.h|plplot)/) {
      target = "io"
    } else if (hdr ~ /^cjson\//) {
      target = "config"
    } else if (hdr ~ /\//) {
      t = hdr; sub(/\/.*/, "", t)
      if (t in rank) target = t
    }
    if (target == "") next
    if (rank[target] > rank[mod])
      print file " (" mod ") includes " hdr " (" target "): an arrow that runs up"
    if ((mod in is_core) && hdr ~ /^(mpi\.h|hdf5|plplot|cjson\/)/)
      print file " (" mod ", core) includes " hdr
  }')

if [ -n "$build" ]; then
  for mod in $core; do
    lib="$build/src/$mod/libih_$mod.a"
    [ -f "$lib" ] || { report "$lib is missing (one library per module)"; continue; }
    bad=$(nm -u --format=posix "$lib" | awk '{print $1}' |
      grep -E '^(P?MPI_|ompi_|H5|cJSON_|c_pl|pl[a-z]+$)' | sort -u | tr '\n' ' ')
    [ -z "$bad" ] || report "libih_$mod.a references $bad"
  done
fi

if [ "$violations" -gt 0 ]; then
  echo "layering: $violations violation(s)"
  exit 1
fi
echo "layering: ok"
