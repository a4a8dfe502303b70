#!/usr/bin/env bash
# Refresh the vendored front-end files from the versions pinned in
# web/package.json / web/package-lock.json.
#
# The copied files are committed, so `go build` and `go test` never need
# Node or the network. Run this only after changing a pinned version:
#
#   web/vendor.sh
#
# Outputs:
#   internal/web/static/vendor/htmx.min.js          (embedded in the binary)
#   internal/web/static/vendor/htmx-ext-sse.min.js  (embedded in the binary)
#   internal/web/static/vendor/VERSIONS             (what was vendored)
#   e2e/testdata/axe.min.js                         (e2e accessibility tests only)
set -euo pipefail

web_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root_dir="$(cd "${web_dir}/.." && pwd)"
vendor_dir="${root_dir}/internal/web/static/vendor"
e2e_dir="${root_dir}/e2e/testdata"

cd "${web_dir}"
npm ci --no-audit --no-fund

mkdir -p "${vendor_dir}" "${e2e_dir}"

copy() {
	local src="$1" dst="$2"
	if [[ ! -s "${src}" ]]; then
		echo "vendor.sh: missing or empty ${src}" >&2
		exit 1
	fi
	cp "${src}" "${dst}"
	echo "copied ${src#"${web_dir}"/} -> ${dst#"${root_dir}"/}"
}

copy "${web_dir}/node_modules/htmx.org/dist/htmx.min.js" "${vendor_dir}/htmx.min.js"
copy "${web_dir}/node_modules/htmx-ext-sse/dist/sse.min.js" "${vendor_dir}/htmx-ext-sse.min.js"
copy "${web_dir}/node_modules/axe-core/axe.min.js" "${e2e_dir}/axe.min.js"

# Installed version of a package, read from its own package.json.
version() {
	node -p "require('./node_modules/$1/package.json').version"
}

{
	echo "# Vendored by web/vendor.sh from web/package-lock.json. Do not edit by hand."
	echo "htmx.org $(version htmx.org) internal/web/static/vendor/htmx.min.js"
	echo "htmx-ext-sse $(version htmx-ext-sse) internal/web/static/vendor/htmx-ext-sse.min.js"
	echo "axe-core $(version axe-core) e2e/testdata/axe.min.js"
} >"${vendor_dir}/VERSIONS"
echo "wrote ${vendor_dir#"${root_dir}"/}/VERSIONS"
