#!/bin/sh
# test_certs.sh - joblet certs init: the files and their modes, what certtool
# says of each certificate (chain, purpose, subject, SANs, CA flag, expiry,
# serial), rnx loading every rnx-config*.yml it writes, the refusals, --force,
# --json, and a TLS handshake with the certificates (gnutls-serv, gnutls-cli).
# Needs no root; skips without certtool (Debian package gnutls-bin).
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if ! command -v certtool >/dev/null 2>&1; then
	echo "# certtool not found: install GnuTLS's certtool (Debian package gnutls-bin)"
	exit 77
fi

SERVER_AUTH=1.3.6.1.5.5.7.3.1
CLIENT_AUTH=1.3.6.1.5.5.7.3.2
roles="admin maintainer developer reader"
# Physical path: what the command prints is made absolute with realpath().
tmp=`cd "$TMP" && pwd -P`

# certtool's description of a certificate (or a PEM file's first certificate).
info() {
	certtool -i --infile "$1" 2>/dev/null
}
# The value after "LABEL: " in certtool's description of FILE.
field() { # file label
	info "$1" | sed -n "s/^[[:space:]]*$2: //p" | head -1
}
# certtool --verify of FILE against CA with extra options; sets rc, out, err.
verify() { # ca file [options]
	_ca=$1
	_f=$2
	shift 2
	run certtool --verify --load-ca-certificate "$_ca" --infile "$_f" "$@"
}
# Seconds since the epoch of certtool's "Not After" of FILE.
not_after() {
	date -u -d "`field "$1" 'Not After'`" +%s
}
# Write to stdout the PEM under KEY (cert, key or ca) of node NODE in an
# rnx-config yml (the block scalar, indentation taken off).
pem_of() { # yml node key
	awk -v node="$2" -v key="$3" '
		/^  [^ ]/ { in_node = ($0 == "  " node ":") ; in_key = 0; next }
		/^    [^ ]/ { in_key = in_node && ($0 == "    " key ": |"); next }
		in_key { sub(/^      /, ""); print }
	' "$1"
}
# The sha256 public key id in certtool's description (of a certificate or a key).
key_id_of() {
	sed -n '/Public Key ID:/,$p' | grep -o 'sha256:[0-9a-f]*' | head -1
}
cert_key_id() {
	info "$1" | key_id_of
}
key_key_id() {
	certtool -k --infile "$1" 2>/dev/null | key_id_of
}

# ---------------------------------------------------------------- a first run
D=$tmp/certs
now=`date +%s`
run "$JOBLET" certs init --dir "$D" --server-name joblet.example.com --ip 10.0.0.5 \
	--ip fd00::5 --days 30 --ca-days 60
ok 'test $rc -eq 0' "certs init succeeds"
first_out=$out
expected="server:
  tls:
    cert: $D/server.pem
    key: $D/server-key.pem
    client_ca: $D/ca.pem"
ok 'has "$expected" "$out"' "it prints the server.tls lines for joblet.yml with absolute paths"
ok 'has "rnx-config-developer.yml" "$out" && has "client-reader-key.pem" "$out"' \
	"it says what it wrote"
ok 'test "`stat -c %a "$D"`" = 700' "the folder is created mode 0700"

files="ca.pem:644 ca/ca-key.pem:600 ca/ca.pem:644 server.pem:644 server-key.pem:600 rnx-config.yml:600 secrets.key:600"
for r in $roles; do
	files="$files client-$r.pem:644 client-$r-key.pem:600 rnx-config-$r.yml:600"
done
bad=
for fm in $files; do
	f=${fm%%:*}
	m=${fm#*:}
	test -f "$D/$f" && test "`stat -c %a "$D/$f"`" = "$m" || bad="$bad $f"
done
ok 'test -z "$bad"' "every file is there with its mode (keys and yml 0600, certificates 0644)${bad:+; wrong:$bad}"
ok 'test `ls -A "$D" | wc -l` -eq 18 && test `ls -A "$D/ca" | wc -l` -eq 2' "nothing else is left in the folder (no temporary files)"
ok 'test "`stat -c %a "$D/ca"`" = 700 && ! test -e "$D/ca-key.pem" && cmp -s "$D/ca.pem" "$D/ca/ca.pem"' \
	"the CA key is in a folder of its own, ca/ (0700), with a copy of ca.pem, not beside the server's files"
ok 'has "Move that folder off this host" "$out" && has "tar -C $D -czf joblet-ca.tar.gz ca" "$out" && has "rm -r $D/ca" "$out" &&
    has "bring it back only to sign a client certificate or a CRL" "$out"' \
	"it says how to move the CA folder off the host, and when it is needed back"
ok 'grep -qx "[0-9a-f]\{64\}" "$D/secrets.key"' "secrets.key holds the key of secrets at rest: 32 random bytes in hex"
ok 'grep -q "BEGIN PRIVATE KEY" "$D/ca/ca-key.pem" && ! grep -q CERTIFICATE "$D/server-key.pem"' \
	"keys are PKCS#8 PEM files of their own"

# ---------------------------------------------------------------- the chain and purposes
verify "$D/ca.pem" "$D/server.pem" --verify-purpose=$SERVER_AUTH --verify-hostname=joblet.example.com
ok 'test $rc -eq 0' "the server certificate verifies against ca.pem for serverAuth and joblet.example.com"
verify "$D/ca.pem" "$D/server.pem" --verify-purpose=$CLIENT_AUTH
ok 'test $rc -ne 0' "the server certificate is not good for clientAuth"
verify "$D/ca.pem" "$D/server.pem" --verify-hostname=other.example.com
ok 'test $rc -ne 0' "the server certificate does not verify for a name it does not hold"
for r in $roles; do
	verify "$D/ca.pem" "$D/client-$r.pem" --verify-purpose=$CLIENT_AUTH
	ok 'test $rc -eq 0' "client-$r.pem verifies against ca.pem for clientAuth"
	verify "$D/ca.pem" "$D/client-$r.pem" --verify-purpose=$SERVER_AUTH
	ok 'test $rc -ne 0' "client-$r.pem is not good for serverAuth"
done
verify "$D/ca.pem" "$D/ca.pem"
ok 'test $rc -eq 0' "the CA verifies itself (self-signed)"

# ---------------------------------------------------------------- what each certificate holds
ok 'test "`field "$D/ca.pem" Subject`" = "CN=joblet-ca,OU=CA,O=joblet"' "the CA's subject"
ok 'test "`field "$D/server.pem" Subject`" = "CN=joblet-server,OU=server,O=joblet" &&
    test "`field "$D/server.pem" Issuer`" = "CN=joblet-ca,OU=CA,O=joblet"' \
	"the server's subject and issuer"
for r in $roles; do
	ok 'test "`field "$D/client-$r.pem" Subject`" = "CN=$r-client,OU=$r,O=joblet"' \
		"the subject of client-$r.pem is OU=$r, CN=$r-client"
done

out=`info "$D/ca.pem"`
ok 'has "Certificate Authority (CA): TRUE" "$out" && has "Certificate signing." "$out" &&
    has "CRL signing." "$out" && ! has "Key Purpose" "$out"' \
	"the CA is CA:TRUE with keyCertSign and cRLSign"
out=`info "$D/server.pem"`
ok 'has "Certificate Authority (CA): FALSE" "$out" && has "TLS WWW Server." "$out" &&
    ! has "TLS WWW Client." "$out"' "the server: CA:FALSE, EKU serverAuth only"
sans=`printf '%s\n' "$out" | sed -n 's/^[[:space:]]*\(DNSname\|IPAddress\): /\1 /p' | tr '\n' ','`
ok 'test "$sans" = "DNSname localhost,DNSname joblet.example.com,IPAddress 127.0.0.1,IPAddress ::1,IPAddress 10.0.0.5,IPAddress fd00::5,"' \
	"the server's SANs: localhost, 127.0.0.1, ::1 and the given --server-name and --ip ($sans)"
ok 'has "EC/ECDSA" "$out" && has "SECP256R1" "$out" && has "Signature Algorithm: ECDSA-SHA256" "$out"' \
	"keys are ECDSA P-256, signatures SHA-256"
ca_ski=`info "$D/ca.pem" | sed -n '/Subject Key Identifier/{n;s/^[[:space:]]*//p}'`
srv_aki=`printf '%s\n' "$out" | sed -n '/Authority Key Identifier/{n;s/^[[:space:]]*//p}'`
ok 'test -n "$ca_ski" && test "$ca_ski" = "$srv_aki"' \
	"the server's authority key id is the CA's subject key id"
bad=
for r in $roles; do
	out=`info "$D/client-$r.pem"`
	{ has "Certificate Authority (CA): FALSE" "$out" && has "TLS WWW Client." "$out" &&
		! has "TLS WWW Server." "$out" && has "Digital signature." "$out" &&
		has "Subject Key Identifier" "$out" && has "Authority Key Identifier" "$out"; } ||
		bad="$bad $r"
done
ok 'test -z "$bad"' "clients: CA:FALSE, digitalSignature, EKU clientAuth only, key ids${bad:+; wrong:$bad}"
bad=
for c in server $roles; do
	f=$D/client-$c.pem
	k=$D/client-$c-key.pem
	test $c = server && f=$D/server.pem && k=$D/server-key.pem
	id=`cert_key_id "$f"`
	test -n "$id" && test "$id" = "`key_key_id "$k"`" || bad="$bad $c"
done
ok 'test -z "$bad"' "each key file belongs to its certificate${bad:+; wrong:$bad}"

# ---------------------------------------------------------------- expiry and serials
day=86400
near() { # seconds expected
	test "$1" -ge `expr "$2" - 3700` && test "$1" -le `expr "$2" + 120`
}
t=`not_after "$D/ca.pem"`
ok 'near $t `expr $now + 60 \* $day`' "the CA expires in --ca-days (60 days)"
bad=
for f in server $roles; do
	p=$D/client-$f.pem
	test $f = server && p=$D/server.pem
	t=`not_after "$p"`
	near $t `expr $now + 30 \* $day` || bad="$bad $f"
done
ok 'test -z "$bad"' "the server and client certificates expire in --days (30 days)${bad:+; wrong:$bad}"
nb=`date -u -d "\`field "$D/server.pem" 'Not Before'\`" +%s`
ok 'test $nb -le $now' "certificates are valid from before now"

serials() { # dir
	for f in ca server; do field "$1/$f.pem" 'Serial Number (hex)'; done
	for r in $roles; do field "$1/client-$r.pem" 'Serial Number (hex)'; done
}
first_serials=`serials "$D"`
ok 'test `printf "%s\n" "$first_serials" | grep -Ec "^[0-7][0-9a-f]{31}$"` -eq 6' \
	"serials are 16 bytes with the top bit clear (`echo $first_serials`)"
ok 'test `printf "%s\n" "$first_serials" | sort -u | wc -l` -eq 6' "serials are unique"

# ---------------------------------------------------------------- the rnx configurations
run "$RNX" --config "$D/rnx-config.yml" nodes
ok 'test $rc -eq 0 && has "* admin" "$out" && has "  maintainer" "$out" && has "  developer" "$out" &&
    has "  reader" "$out" && test `printf "%s\n" "$out" | grep -c "127.0.0.1:50051"` -eq 4' \
	"rnx-config.yml loads: four nodes at the address, admin the default"
ok 'has "cert: inline, key: inline, ca: inline" "$out"' "its PEMs are inline"
bad=
for r in $roles; do
	pem_of "$D/rnx-config.yml" $r cert >"$TMP/op-$r.pem"
	test "`field "$TMP/op-$r.pem" Subject`" = "CN=$r-client,OU=$r,O=joblet" || bad="$bad $r"
done
ok 'test -z "$bad"' "in rnx-config.yml each role's node has that role's certificate${bad:+; wrong:$bad}"
for r in $roles; do
	y=$D/rnx-config-$r.yml
	run "$RNX" --config "$y" nodes
	ok 'test $rc -eq 0 && has "* default" "$out" && has "127.0.0.1:50051" "$out" &&
	    has "cert: inline, key: inline, ca: inline" "$out"' \
		"rnx-config-$r.yml loads: node default at the address, PEMs inline"
	pem_of "$y" default cert >"$TMP/$r.pem"
	pem_of "$y" default key >"$TMP/$r-key.pem"
	pem_of "$y" default ca >"$TMP/$r-ca.pem"
	ok 'test "`field "$TMP/$r.pem" Subject`" = "CN=$r-client,OU=$r,O=joblet" &&
	    cmp -s "$TMP/$r.pem" "$D/client-$r.pem" && cmp -s "$TMP/$r-key.pem" "$D/client-$r-key.pem" &&
	    cmp -s "$TMP/$r-ca.pem" "$D/ca.pem"' \
		"rnx-config-$r.yml holds the $r certificate, its key and the CA"
done
run "$RNX" --config "$D/rnx-config-reader.yml" nodes --json
ok 'test $rc -eq 0 && ! has "PRIVATE" "$out"' "rnx nodes --json does not show the inline key"

# ---------------------------------------------------------------- refusals
run "$JOBLET" certs init --dir "$tmp/long" --days 400 --ca-days 399
ok 'test $rc -eq 2 && has "outlive their CA" "$err" && has "run \`joblet certs init --help\`" "$err" &&
    ! test -e "$tmp/long"' "--days longer than --ca-days is refused (2), nothing created"
run "$JOBLET" certs init --dir "$tmp/long" --ca-days 100
ok 'test $rc -eq 2 && has "365 (the default)" "$err"' "so is the default --days with a shorter --ca-days"
run "$JOBLET" certs init --dir "$tmp/badip" --ip 300.1.2.3
ok 'test $rc -eq 2 && has "--ip \`300.1.2.3\` is not an IPv4 or IPv6 address" "$err" &&
    has "run \`joblet certs init --help\`" "$err" && ! test -e "$tmp/badip"' "a bad --ip is refused (2)"
run "$JOBLET" certs init --dir "$tmp/badip" --ip fd00::5::1
ok 'test $rc -eq 2 && has "\`fd00::5::1\`" "$err"' "a bad IPv6 --ip is refused"
run "$JOBLET" certs init --dir "$tmp/badname" --server-name "bad name"
ok 'test $rc -eq 2 && has "is not a DNS name" "$err"' "a bad --server-name is refused"
run "$JOBLET" certs init --dir "$tmp/badname" --server-name 10.0.0.7
ok 'test $rc -eq 2 && has "give it with --ip" "$err"' "an address as --server-name is sent to --ip"
run "$JOBLET" certs init
ok 'test $rc -eq 2 && has "--dir DIR" "$err" && has "run \`joblet certs init --help\`" "$err"' \
	"--dir is required"
run "$JOBLET" certs init --dir "$tmp/x" --frobnicate
ok 'test $rc -eq 2 && has "unknown option \`--frobnicate\`" "$err" &&
    has "run \`joblet certs init --help\`" "$err"' "an unknown option is refused"
for d in 0 36501 12x -3 ""; do
	run "$JOBLET" certs init --dir "$tmp/x" --days "$d"
	ok 'test $rc -eq 2 && has "whole number of days from 1 to 36500" "$err"' "--days \`$d\` is refused"
done
run "$JOBLET" certs init --dir "$tmp/x" --ca-days 1.5
ok 'test $rc -eq 2 && has "--ca-days must be a whole number" "$err"' "--ca-days 1.5 is refused"
run "$JOBLET" certs init --dir "$tmp/x" --address "no-port"
ok 'test $rc -eq 2 && has "is not HOST:PORT" "$err"' "a bad --address is refused"
ok '! test -e "$tmp/x"' "refused runs create nothing"
run "$JOBLET" certs init --help
ok 'test $rc -eq 0 && has "Usage: joblet certs init --dir DIR" "$out" && has "--force" "$out" &&
    has "rnx-config-ROLE.yml" "$out"' "joblet certs init --help"
run "$JOBLET" --help
ok 'has "certs" "$out"' "joblet --help lists certs"

# ---------------------------------------------------------------- existing files and --force
cp "$D/ca.pem" "$TMP/ca-first.pem"
cp "$D/secrets.key" "$TMP/secrets-first.key"
run "$JOBLET" certs init --dir "$D"
ok 'test $rc -eq 1 && has "\`$D/ca.pem\`" "$err" && has "--force" "$err" && has "another --dir" "$err"' \
	"existing files are refused (1), naming one and saying --force or another --dir"
ok 'cmp -s "$D/ca.pem" "$TMP/ca-first.pem" && test "`serials "$D"`" = "$first_serials"' \
	"a refused run changes nothing"
mkdir "$tmp/one"
echo "keep me" >"$tmp/one/rnx-config-reader.yml"
run "$JOBLET" certs init --dir "$tmp/one"
ok 'test $rc -eq 1 && has "\`$tmp/one/rnx-config-reader.yml\` exists" "$err" &&
    test "`cat "$tmp/one/rnx-config-reader.yml"`" = "keep me" && test `ls -A "$tmp/one" | wc -l` -eq 1' \
	"one existing file is enough to refuse, and nothing is written"

run "$JOBLET" certs init --dir "$D" --force
ok 'test $rc -eq 0 && has "new CA" "$err"' "--force replaces them, saying there is a new CA"
force_out=$out
second_serials=`serials "$D"`
common=`{ printf "%s\n" "$first_serials"; printf "%s\n" "$second_serials"; } | sort | uniq -d`
ok 'test -z "$common" && test `printf "%s\n" "$second_serials" | wc -l` -eq 6' \
	"every certificate is new (new serials)"
verify "$D/ca.pem" "$D/client-admin.pem" --verify-purpose=$CLIENT_AUTH
ok 'test $rc -eq 0' "the new client certificates verify against the new CA"
verify "$D/ca.pem" "$TMP/admin.pem"
ok 'test $rc -ne 0' "the old ones do not"
ok 'test `ls -A "$D" | wc -l` -eq 18 && test "`stat -c %a "$D/ca/ca-key.pem"`" = 600 &&
    test "`stat -c %a "$D/rnx-config.yml"`" = 600' "--force keeps the modes and leaves no temporary files"
ok 'cmp -s "$D/secrets.key" "$TMP/secrets-first.key" && has "kept as it was" "$force_out"' \
	"--force keeps secrets.key: it opens the secrets of jobs that wait"

# The layout of older joblets: ca-key.pem beside the server's files.
mkdir -p "$tmp/old"
"$JOBLET" certs init --dir "$tmp/old" >/dev/null 2>&1
mv "$tmp/old/ca/ca-key.pem" "$tmp/old/ca-key.pem" && rm -r "$tmp/old/ca" && rm "$tmp/old/ca.pem"
run "$JOBLET" certs init --dir "$tmp/old"
ok 'test $rc -eq 1 && has "and 15 more of the files" "$err" && test -f "$tmp/old/ca-key.pem" && ! test -e "$tmp/old/ca"' \
	"an old layout's ca-key.pem counts as an existing file: refused without --force, nothing written"
mkdir -p "$tmp/oldkey" && echo "keep me" >"$tmp/oldkey/ca-key.pem"
run "$JOBLET" certs init --dir "$tmp/oldkey"
ok 'test $rc -eq 1 && has "\`$tmp/oldkey/ca-key.pem\` exists already" "$err" && test `ls -A "$tmp/oldkey" | wc -l` -eq 1' \
	"... even alone"
chmod 0755 "$tmp/old"
run "$JOBLET" certs init --dir "$tmp/old" --force
ok 'test $rc -eq 0 && ! test -e "$tmp/old/ca-key.pem" && test -f "$tmp/old/ca/ca-key.pem" && test "`stat -c %a "$tmp/old/ca"`" = 700' \
	"--force on an old layout moves to ca/ (0700) and removes the old CA key"
verify "$tmp/old/ca/ca.pem" "$tmp/old/client-admin.pem" --verify-purpose=$CLIENT_AUTH
ok 'test $rc -eq 0' "... whose ca/ca.pem signed the new client certificates"

# A folder where a file goes cannot be replaced: refused before anything is written.
mkdir -p "$tmp/blocked/rnx-config.yml/sub"
run "$JOBLET" certs init --dir "$tmp/blocked" --force
ok 'test $rc -eq 1 && has "\`$tmp/blocked/rnx-config.yml\` is a folder" "$err" &&
    test `ls -A "$tmp/blocked" | wc -l` -eq 1' "a folder in the way is refused, even with --force"

# ---------------------------------------------------------------- --json, --address, relative --dir
run "$JOBLET" certs init --dir "$tmp/json" --json --address joblet.example.com:7443 \
	--server-name joblet.example.com
ok 'test $rc -eq 0 && has "\"serial\": " "$out" && ! has "Put these lines" "$out"' \
	"certs init --json succeeds and prints JSON only"
printf '%s\n' "$out" >"$TMP/certs.json"
cat >"$TMP/check_json.py" <<'EOF'
import json, os, re, sys
doc = json.load(open(sys.argv[1]))
files = doc["files"]
assert len(files) == 18, files
assert all(os.path.isabs(f) and os.path.isfile(f) for f in files), files
certs = [doc["ca"], doc["server"]] + doc["clients"]
for c in certs:
    assert c["cert"] in files and c["key"] in files, c
    assert re.fullmatch(r"[0-7][0-9a-f]{31}", c["serial"]), c
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", c["expires"]), c
assert len({c["serial"] for c in certs}) == 6
assert [c["role"] for c in doc["clients"]] == ["admin", "maintainer", "developer", "reader"]
assert all(c["rnx_config"] in files for c in doc["clients"]) and doc["rnx_config"] in files
tls = doc["joblet_yml"]["server"]["tls"]
assert tls["cert"] == doc["server"]["cert"] and tls["client_ca"] == doc["ca"]["cert"]
assert "joblet.example.com" in doc["server"]["dns_names"]
assert os.path.isfile(doc["secret_key"]) and doc["secret_key_created"] is True
assert doc["ca"]["key"] == doc["ca_dir"] + "/ca-key.pem" and os.stat(doc["ca_dir"]).st_mode & 0o777 == 0o700
print(doc["server"]["serial"], doc["server"]["expires"])
EOF
if command -v python3 >/dev/null 2>&1; then
	have_python=yes
	run python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$TMP/certs.json"
	ok 'test $rc -eq 0' "--json prints one JSON document"
	run python3 "$TMP/check_json.py" "$TMP/certs.json"
	ok 'test $rc -eq 0' "--json lists the 18 files, each certificate's serial and expiry, the joblet.yml paths"
	json_serial=${out% *}
	json_expires=${out#* }
	ok 'test "$json_serial" = "`field "$tmp/json/server.pem" "Serial Number (hex)"`"' \
		"the serial in --json is the certificate's"
	ok 'test "`date -u -d "$json_expires" +%s`" = "`not_after "$tmp/json/server.pem"`"' \
		"the expiry in --json is the certificate's"
else
	have_python=no
	echo "ok - --json checks # SKIP python3 missing"
fi
run "$RNX" --config "$tmp/json/rnx-config-maintainer.yml" nodes
ok 'test $rc -eq 0 && has "joblet.example.com:7443" "$out"' "--address is the node's address"
run "$JOBLET" certs init --dir "$tmp/uncovered" --address other.example.com:7443
ok 'test $rc -eq 0 && has "does not name the host of --address" "$err"' \
	"an --address the server certificate does not name is warned about"
run sh -c 'cd "$1" && exec "$2" certs init --dir rel/certs' sh "$tmp" "$JOBLET"
ok 'test $rc -eq 0 && has "cert: $tmp/rel/certs/server.pem" "$out" && test -f "$tmp/rel/certs/ca.pem"' \
	"a relative --dir is printed absolute"
run "$JOBLET" certs init --dir "$tmp/slash/certs/"
ok 'test $rc -eq 0 && test "`stat -c %a "$tmp/slash/certs"`" = 700 && has "cert: $tmp/slash/certs/server.pem" "$out"' \
	"a --dir with a trailing slash is created 0700 too"

# ---------------------------------------------------------------- a TLS handshake with them
if ! command -v gnutls-serv >/dev/null 2>&1 || ! command -v gnutls-cli >/dev/null 2>&1; then
	echo "ok - TLS handshake # SKIP gnutls-serv or gnutls-cli missing (Debian package gnutls-bin)"
	exit 0
fi
# gnutls-serv has no option to bind one address: it listens on every
# interface, for the few seconds of this test, and wants a client certificate.
# --verify-client-cert makes it check that certificate against ca.pem too.
free_port() { # attempt
	if test $have_python = yes; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
	else
		expr 20000 + \( $$ \* 7 + $1 \* 7919 \) % 20000
	fi
}
spid=
stop_server() {
	if test -n "$spid"; then
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		spid=
	fi
}
trap 'stop_server; tap_exit' EXIT
for attempt in 1 2 3; do
	port=`free_port $attempt`
	gnutls-serv --http --x509certfile "$D/server.pem" --x509keyfile "$D/server-key.pem" \
		--x509cafile "$D/ca.pem" --require-client-cert --verify-client-cert -p "$port" \
		>"$TMP/serv.log" 2>&1 </dev/null &
	spid=$!
	if wait_until 'grep -q "listening on IPv4.*done" "$TMP/serv.log"'; then
		break
	fi
	stop_server
done
ok 'test -n "$spid"' "gnutls-serv listens with server.pem and asks for client certificates"

# tls_get CA [CERT KEY] [-- gnutls-cli options]: a GET / to localhost:port;
# sets rc, out, err.  (The paths hold no spaces: $TMP is mktemp's.)
tls_get() {
	_ca=$1
	shift
	_cert=
	if test $# -ge 2 && test "$1" != --; then
		_cert="--x509certfile $1 --x509keyfile $2"
		shift 2
	fi
	test "${1:-}" = -- && shift
	printf 'GET / HTTP/1.0\r\n\r\n' >"$TMP/get"
	timeout 20 gnutls-cli --x509cafile "$_ca" $_cert -p "$port" "$@" localhost \
		<"$TMP/get" >"$TMP/.out" 2>"$TMP/.err"
	rc=$?
	out=`cat "$TMP/.out"`
	err=`cat "$TMP/.err"`
}
if test -n "$spid"; then
	tls_get "$D/ca.pem" "$D/client-developer.pem" "$D/client-developer-key.pem"
	ok 'test $rc -eq 0 && has "HTTP/1.0 200 OK" "$out" && has "CN=developer-client,OU=developer,O=joblet" "$out"' \
		"gnutls-cli with client-developer.pem and ca.pem: the handshake and a GET / succeed, the server saw the developer"
	tls_get "$D/ca.pem" "$D/client-reader.pem" "$D/client-reader-key.pem" -- \
		--verify-hostname=other.example.com
	ok 'test $rc -ne 0' "the client refuses the server for a name it does not hold"
	tls_get "$tmp/json/ca.pem" "$D/client-developer.pem" "$D/client-developer-key.pem"
	ok 'test $rc -ne 0 && ! has "200 OK" "$out"' "with another CA the client refuses the server"
	tls_get "$D/ca.pem"
	ok 'test $rc -ne 0 && ! has "200 OK" "$out"' "without a client certificate the server refuses"
	tls_get "$D/ca.pem" "$tmp/json/client-admin.pem" "$tmp/json/client-admin-key.pem"
	ok 'test $rc -ne 0 && ! has "200 OK" "$out"' "a client certificate of another CA is refused"
fi
stop_server
