import { parsePublicKeyLineRaw } from '@postern/shared/ssh/keys';

/**
 * The script an admin runs on a target server so its sshd trusts a resource's SSH user CA.
 * POSIX sh (dash, busybox), idempotent (a second run changes nothing), validates with `sshd -t`
 * before restarting, and restores both files if validation or the restart fails. Every path and
 * the restart command can be overridden by environment variables, which is how the tests run it
 * against a throwaway sshd in a temp folder.
 */

/** Single-quoted for sh: the only character that needs care inside single quotes is the quote itself. */
const shQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

export function sshCaSetupScript(options: { caPublicKeyLine: string; resourceId: string; resourceName: string }): string {
  const { type, blob } = parsePublicKeyLineRaw(options.caPublicKeyLine);
  // The resource name is shown in a comment only; newlines are removed so it cannot end the comment.
  const label = options.resourceName.replace(/[\r\n]/g, ' ');
  return [
    '#!/bin/sh',
    `# Postern: make this server's sshd trust the SSH user CA of resource ${label} (${options.resourceId}).`,
    '# Run as root. Safe to run again: it changes nothing the second time.',
    '# Overridable: POSTERN_SSHD_CONFIG, POSTERN_CA_KEYS_FILE, POSTERN_SSHD_BIN, POSTERN_SSHD_RESTART_CMD.',
    'set -eu',
    '',
    `RESOURCE_ID=${shQuote(options.resourceId)}`,
    `CA_KEY=${shQuote(options.caPublicKeyLine)}`,
    `CA_KEY_MATCH=${shQuote(`${type} ${blob.toString('base64')}`)}`,
    SCRIPT_BODY,
  ].join('\n');
}

/** Everything after the values: plain sh, reading only the variables set above and the environment. */
const SCRIPT_BODY = `SSHD_CONFIG="\${POSTERN_SSHD_CONFIG:-/etc/ssh/sshd_config}"
CA_KEYS_FILE="\${POSTERN_CA_KEYS_FILE:-/etc/ssh/postern_trusted_user_ca_keys}"
SSHD_BIN="\${POSTERN_SSHD_BIN:-$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)}"
RESTART_CMD="\${POSTERN_SSHD_RESTART_CMD:-}"

say() { printf 'postern-ssh-ca-setup: %s\\n' "$*" >&2; }

[ -f "$SSHD_CONFIG" ] || { say "no sshd config at $SSHD_CONFIG (set POSTERN_SSHD_CONFIG)"; exit 1; }
[ -x "$SSHD_BIN" ] || { say "no sshd binary at $SSHD_BIN (set POSTERN_SSHD_BIN)"; exit 1; }

# An existing TrustedUserCAKeys directive wins (sshd takes the first one): add our key to its file.
EXISTING=$(awk 'tolower($1) == "trustedusercakeys" { print $2; exit }' "$SSHD_CONFIG")
if [ -n "$EXISTING" ] && [ "$EXISTING" != "none" ]; then CA_KEYS_FILE="$EXISTING"; fi

BACKUP_DIR=$(mktemp -d)
cp -p "$SSHD_CONFIG" "$BACKUP_DIR/sshd_config"
KEYS_EXISTED=no
if [ -f "$CA_KEYS_FILE" ]; then KEYS_EXISTED=yes; cp -p "$CA_KEYS_FILE" "$BACKUP_DIR/ca_keys"; fi

restart_sshd() {
  if [ -n "$RESTART_CMD" ]; then sh -c "$RESTART_CMD"
  elif command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl restart ssh 2>/dev/null || systemctl restart sshd
  elif command -v service >/dev/null 2>&1; then service ssh restart 2>/dev/null || service sshd restart
  else say "cannot find how to restart sshd (set POSTERN_SSHD_RESTART_CMD)"; return 1
  fi
}

back_out() {
  say "$1; restoring the previous configuration"
  cat "$BACKUP_DIR/sshd_config" > "$SSHD_CONFIG"
  if [ "$KEYS_EXISTED" = yes ]; then cat "$BACKUP_DIR/ca_keys" > "$CA_KEYS_FILE"; else rm -f "$CA_KEYS_FILE"; fi
  rm -rf "$BACKUP_DIR"
  if [ "\${2:-}" = restart ]; then restart_sshd || say "sshd could not be restarted with the previous configuration either: check it now"; fi
  exit 1
}

CHANGED=no
if ! { [ -f "$CA_KEYS_FILE" ] && grep -qF "$CA_KEY_MATCH" "$CA_KEYS_FILE"; }; then
  mkdir -p "$(dirname "$CA_KEYS_FILE")"
  printf '%s\\n' "$CA_KEY" >> "$CA_KEYS_FILE"
  chmod 644 "$CA_KEYS_FILE"
  CHANGED=yes
fi
if [ -z "$EXISTING" ] || [ "$EXISTING" = "none" ]; then
  # At the top of the file, so no Match block can swallow it; cat > keeps the file's owner and mode.
  { printf '# Added by Postern: trust user certificates from these CAs.\\nTrustedUserCAKeys %s\\n' "$CA_KEYS_FILE"
    grep -iv '^[[:space:]]*trustedusercakeys[[:space:]]\\+none' "$BACKUP_DIR/sshd_config" || true; } > "$BACKUP_DIR/new_config"
  cat "$BACKUP_DIR/new_config" > "$SSHD_CONFIG"
  CHANGED=yes
fi

if [ "$CHANGED" = no ]; then
  rm -rf "$BACKUP_DIR"
  say "already set up: $CA_KEYS_FILE holds the CA key and $SSHD_CONFIG trusts it"
  exit 0
fi
"$SSHD_BIN" -t -f "$SSHD_CONFIG" || back_out "sshd -t refused the new configuration"
restart_sshd || back_out "sshd did not restart" restart
rm -rf "$BACKUP_DIR"
say "done: sshd trusts user certificates from the Postern CA of resource $RESOURCE_ID"
`;
