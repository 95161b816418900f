/**
 * Grades ServerFacts against the article's Production Blueprint: network binding and
 * protected mode, identity (ACL users instead of a default user or requirepass), command and
 * key scope, TLS/mTLS, command renaming, debug/module commands, and known CVEs.
 */
import { type Finding, type Severity } from './finding.js';
import { type ServerFacts, type UserFacts, hasFullCommands, isLoopback, isWildcard } from './facts.js';
import { CVES, compareVersions, isAffected, parseVersion, upgradeTarget } from './cves.js';

export function grade(f: ServerFacts): Finding[] {
  const out: Finding[] = [];
  const add = (id: string, severity: Severity, title: string, evidence: string, fix: string[]): void => {
    out.push({ id, severity, source: f.source, origin: f.origin, title, evidence, fix });
  };
  const live = f.source === 'live';
  const configKnown = !live || f.directives.size > 0;
  const get = (name: string): string | undefined => f.directives.get(name)?.[0];

  const def = f.users.find((u) => u.name === 'default');
  const openDefault = f.usersKnown && def !== undefined && def.enabled && def.nopass;
  const enabledOthers = f.users.filter((u) => u.name !== 'default' && u.enabled);

  // ---- Network ----
  let binds: string[] = [];
  let tlsOn = false;
  let exposed = false;
  // Reachable without a password from other hosts: exposed and protected mode not in the way.
  let openToNetwork = false;
  if (configKnown) {
    const bindSet = f.directives.get('bind');
    const bindMissing = bindSet === undefined || bindSet.length === 0;
    // redis-server listens on every interface when no bind line is given.
    binds = bindMissing ? ['*', '-::*'] : bindSet;
    const port = Number(get('port') ?? '6379');
    const tlsPort = Number(get('tls-port') ?? '0');
    tlsOn = tlsPort > 0;
    const nonLoopback = binds.filter((a) => !isLoopback(a));
    exposed = nonLoopback.length > 0;
    const protectedOff = get('protected-mode') === 'no';
    openToNetwork = exposed && protectedOff;

    if (binds.some(isWildcard)) {
      add(
        'bind-all-interfaces',
        openDefault && protectedOff ? 'critical' : 'high',
        'listens on every network interface',
        bindMissing ? 'no bind directive: redis-server listens on all interfaces' : `bind ${binds.join(' ')}`,
        ['bind 127.0.0.1 -::1', '# or loopback plus the one private address app nodes use, e.g.: bind 127.0.0.1 10.0.5.15'],
      );
    }
    if (exposed && !tlsOn && port !== 0) {
      add(
        'non-loopback-without-tls',
        'high',
        'reachable from the network in cleartext',
        `bind ${binds.join(' ')} with port ${port} and no tls-port`,
        ['port 0', `tls-port ${port === 0 ? 6379 : port}`, 'tls-cert-file /etc/redis/tls/redis.crt', 'tls-key-file /etc/redis/tls/redis.key', 'tls-ca-cert-file /etc/redis/tls/ca.crt', 'tls-auth-clients yes'],
      );
    }
    if (protectedOff) {
      add(
        'protected-mode-off',
        openDefault ? 'high' : 'low',
        'protected mode is off',
        'protected-mode no' + (openDefault ? ' while the default user needs no password' : ''),
        ['protected-mode yes'],
      );
    }
    if (!tlsOn) {
      add(
        'no-tls',
        exposed ? 'medium' : 'info',
        'TLS is not enabled',
        exposed ? `tls-port 0 while bound to ${nonLoopback.join(' ')}` : 'tls-port 0 (loopback only: acceptable on a single host)',
        // The TLS port takes over the cleartext port's number (the one clients know).
        ['port 0', `tls-port ${port === 0 ? 6379 : port}`, 'tls-cert-file /etc/redis/tls/redis.crt', 'tls-key-file /etc/redis/tls/redis.key', 'tls-ca-cert-file /etc/redis/tls/ca.crt'],
      );
    } else {
      if (port !== 0) {
        // On a non-loopback bind this is the cleartext exposure itself, hence high there.
        add('plaintext-port-beside-tls', exposed ? 'high' : 'medium', 'a cleartext port is open beside the TLS port', `port ${port} and tls-port ${tlsPort}` + (exposed ? ` on ${nonLoopback.join(' ')}` : ''), ['port 0']);
      }
      const auth = get('tls-auth-clients') ?? 'yes';
      if (auth === 'no' || auth === 'optional') {
        add(
          'tls-auth-clients-off',
          auth === 'no' ? 'medium' : 'low',
          'clients are not required to present a certificate (no mTLS)',
          `tls-auth-clients ${auth}`,
          ['tls-auth-clients yes'],
        );
      }
    }

    for (const [directive, title] of [
      ['enable-debug-command', 'DEBUG is enabled'],
      ['enable-module-command', 'MODULE LOAD is enabled'],
    ] as const) {
      const v = get(directive);
      if (v === 'yes') add(directive.replace('enable-', '').replace('-command', '') + '-command-enabled', 'high', title, `${directive} yes`, [`${directive} no`]);
      else if (v === 'local') add(directive.replace('enable-', '').replace('-command', '') + '-command-enabled', 'low', title + ' for local clients', `${directive} local`, [`${directive} no`]);
    }
    if (f.directives.has('loadmodule')) {
      add('module-loaded', 'medium', 'native modules are loaded', `loadmodule ${f.directives.get('loadmodule')!.join(' ')}`, ['# remove the loadmodule lines you do not need']);
    }

    // ---- Replication (issue 16) ----
    // a replica's password for its primary crosses the network in clear without TLS
    const primary = (f.directives.get('replicaof') ?? []).join(' ').trim().split(/\s+/);
    const primaryHost = primary.length === 2 && primary[0]!.toLowerCase() !== 'no' ? primary[0]! : null;
    const masterauthSet = (get('masterauth') ?? '') !== '';
    if (primaryHost !== null && masterauthSet && get('tls-replication') !== 'yes' && !isLoopback(primaryHost)) {
      add(
        'masterauth-without-tls',
        'high',
        "the replication password crosses the network in cleartext",
        `replicaof ${primary.join(' ')} with masterauth set and tls-replication no`,
        ['tls-replication yes', 'tls-ca-cert-file /etc/redis/tls/ca.crt', 'tls-client-cert-file /etc/redis/tls/replica.crt', 'tls-client-key-file /etc/redis/tls/replica.key'],
      );
    }
    // ---- Gateway mode (issue 18) ----
    gatewayChecks(f, add);

    if (get('replica-read-only') === 'no') {
      add(
        'replica-writable',
        primaryHost !== null ? 'medium' : 'low',
        'a replica accepts writes from clients',
        'replica-read-only no' + (primaryHost !== null ? ` on a replica of ${primary.join(' ')}: local writes diverge from the primary and are lost at the next full sync` : ' (applies once this node becomes a replica)'),
        ['replica-read-only yes'],
      );
    }
  }

  // ---- Identity ----
  if (f.usersKnown && def !== undefined) {
    if (openDefault) {
      add(
        'default-user-nopass',
        openToNetwork ? 'critical' : 'high',
        'the default user needs no password',
        `user default: ${def.rules}`,
        live ? ['ACL SETUSER default off', 'ACL SETUSER app_cache on >STRONG-PASSWORD ~cache:* +@all -@dangerous'] : ['user default off resetpass -@all', 'user app_cache on #<sha256 of a strong password> ~cache:* +@all -@dangerous'],
      );
    } else if (def.enabled && enabledOthers.length === 0) {
      add(
        'requirepass-only',
        'medium',
        'one shared password (requirepass) and no ACL users',
        'the default user is the only user; every client shares its password and full rights',
        live
          ? ['ACL SETUSER app_cache on >STRONG-PASSWORD ~cache:* +@all -@dangerous', 'ACL SETUSER default off']
          : ['# remove requirepass, then:', 'user default off resetpass -@all', 'user app_cache on #<sha256 of a strong password> ~cache:* +@all -@dangerous'],
      );
    } else if (def.enabled) {
      add('default-user-enabled', 'low', 'the default user is still enabled', `user default: ${def.rules}`, [live ? 'ACL SETUSER default off' : 'user default off resetpass -@all']);
    }
  }

  if (f.usersKnown) {
    const admins: UserFacts[] = [];
    for (const u of enabledOthers) {
      if (u.nopass) {
        add('user-nopass', 'critical', `user ${u.name} needs no password`, `user ${u.name}: ${u.rules}`, [live ? `ACL SETUSER ${u.name} resetpass >STRONG-PASSWORD` : `user ${u.name} resetpass #<sha256 of a strong password> …`]);
      }
      const full = hasFullCommands(u);
      if (full && u.allKeys) {
        admins.push(u);
      } else if (full) {
        add(
          'user-all-commands',
          'medium',
          `user ${u.name} may run every command, dangerous ones included`,
          `user ${u.name}: ${u.rules} (+@all without -@dangerous)`,
          [live ? `ACL SETUSER ${u.name} -@dangerous` : `append -@dangerous to the rules of user ${u.name}`],
        );
      } else if (u.allKeys) {
        add(
          'app-user-allkeys',
          'medium',
          `user ${u.name} may touch every key`,
          `user ${u.name}: ${u.rules} (~* / allkeys)`,
          [live ? `ACL SETUSER ${u.name} resetkeys ~${u.name}:*` : `replace ~* with the user's own prefix, e.g. resetkeys ~${u.name}:*`],
        );
      }
    }
    if (admins.length === 1) {
      add('admin-user', 'low', `user ${admins[0]!.name} has full access`, `user ${admins[0]!.name}: ${admins[0]!.rules}`, ['# keep one admin, with a long random password (or a client certificate), used only by operators']);
    } else if (admins.length > 1) {
      add(
        'user-all-commands',
        'medium',
        'several users have full access (+@all ~*)',
        admins.map((a) => `user ${a.name}: ${a.rules}`).join('; '),
        ['# keep one admin; give every service its own prefix and -@dangerous, e.g.', 'user app_cache on #<sha256> ~cache:* +@all -@dangerous'],
      );
    }

    // Live: ask the server which users may call the dangerous commands under their names.
    if (f.dryRun !== undefined) {
      const adminNames = admins.length === 1 ? new Set([admins[0]!.name]) : new Set<string>();
      for (const [name, cmds] of f.dryRun) {
        if (cmds.length === 0 || adminNames.has(name)) continue;
        const u = f.users.find((x) => x.name === name);
        add(
          'dangerous-commands-callable',
          u?.nopass === true ? (openToNetwork ? 'critical' : 'high') : 'medium',
          `user ${name} can call dangerous commands`,
          `ACL DRYRUN ${name}: ${cmds.map((c) => c.toUpperCase()).join(', ')} allowed`,
          [`ACL SETUSER ${name} -@dangerous`],
        );
      }
    }
  }

  // ---- Secrets at rest ----
  for (const sf of f.secretFiles ?? []) {
    const others = (sf.mode & 0o004) !== 0;
    const group = (sf.mode & 0o040) !== 0;
    const modeText = sf.mode.toString(8).padStart(4, '0');
    const digestFix = sf.userPasswords ? ['# and store user passwords as digests: replace >password with #<sha256>, e.g. #$(printf %s "$PASSWORD" | sha256sum | cut -d" " -f1)'] : [];
    if (others || group) {
      add(
        'plaintext-secret-readable',
        others ? 'high' : 'medium',
        `${sf.file} holds passwords in clear and is readable by ${others ? 'every local user' : 'its group'}`,
        `mode ${modeText}; ${sf.secrets.join('; ')}`,
        [`chmod 600 ${sf.file}`, ...digestFix],
      );
    } else if (sf.userPasswords) {
      add('plaintext-user-password', 'low', `${sf.file} stores user passwords in clear (owner-only)`, `mode ${modeText}; ${sf.secrets.filter((x) => x.includes(': user ')).join('; ')}`, digestFix);
    }
  }

  // ---- Command renaming ----
  const realRenames = f.renames.filter(([, to]) => to !== '');
  for (const [from, to] of realRenames) {
    const dangerous = ['flushall', 'flushdb', 'config', 'keys', 'debug', 'shutdown', 'eval', 'module', 'save', 'bgsave', 'slaveof', 'replicaof', 'acl', 'script', 'function', 'migrate', 'sync', 'psync'].includes(from);
    add(
      'renamed-dangerous-command',
      dangerous ? 'medium' : 'low',
      `${from.toUpperCase()} is renamed, not removed: still callable`,
      `rename-command ${from.toUpperCase()} ${to} — the new name is a shared secret: anyone who reads this file or a copy of it can call the command`,
      [`# delete the rename-command line and deny it with ACLs instead, e.g.`, `user app_cache on #<sha256> ~cache:* +@all -@dangerous`],
    );
  }
  if (f.renames.length > 0) {
    add(
      'rename-command-instead-of-acl',
      enabledOthers.length === 0 ? 'medium' : 'low',
      'rename-command is used to restrict commands',
      `${f.renames.length} rename-command line(s)${enabledOthers.length === 0 ? ' and no ACL users' : ''}; renaming is obscurity (the new name is a secret shared through the config file) and breaks tools that use the real names`,
      ['# remove the rename-command lines and give each client an ACL user without @dangerous:', 'user app_cache on #<sha256> ~cache:* +@all -@dangerous'],
    );
  }

  if (f.hiddenCommands !== undefined && f.hiddenCommands.length > 0) {
    const names = f.hiddenCommands.map((c) => c.toUpperCase()).join(', ');
    add(
      'rename-command-instead-of-acl',
      enabledOthers.length === 0 ? 'medium' : 'low',
      'rename-command is used to restrict commands',
      `${names} exist${f.redoubtVersion !== undefined ? ' in Redoubt' : ''} but are not callable under their names: renamed (still callable under a secret name) or disabled by rename-command`,
      ['# remove the rename-command lines and give each client an ACL user without @dangerous:', 'user app_cache on #<sha256> ~cache:* +@all -@dangerous'],
    );
  }

  // ---- Versions ----
  if (live && f.redoubtVersion !== undefined) {
    add('redoubt-version', 'info', `Redoubt ${f.redoubtVersion}`, `redoubt_version:${f.redoubtVersion} (Redis ${f.version ?? '?'} compatible): no Lua, no modules, so the Redis CVEs below do not apply`, []);
  } else if (live && f.version !== undefined) {
    const v = parseVersion(f.version);
    for (const cve of CVES) {
      if (!isAffected(f.version, cve)) continue;
      if (cve.onlyWith !== undefined && configKnown && (get(cve.onlyWith) ?? '') === '') continue;
      out.push({
        id: cve.id.toLowerCase(),
        severity: 'low',
        source: f.source,
        origin: f.origin,
        title: `${cve.id}: ${cve.summary}`,
        evidence:
          `unverified: redis_version:${f.version} predates the fixes (${cve.fixed.join(', ')}), but distributions backport fixes without changing the version; ` +
          `check the package changelog: apt changelog redis-server | grep ${cve.id} (or zgrep ${cve.id} /usr/share/doc/redis-server/changelog.Debian.gz; RPM: rpm -q --changelog redis | grep ${cve.id})`,
        fix: [`# if the changelog does not list ${cve.id}: upgrade to ${upgradeTarget(f.version, cve)} or later (${cve.severity} if confirmed)`],
        verified: false,
        severityIfConfirmed: cve.severity,
      });
    }
    if (f.luaPackageProbe === 'exposed') {
      add('cve-2022-0543', 'critical', 'CVE-2022-0543: Lua sandbox escape (Debian/Ubuntu package)', 'confirmed by probe: EVAL "return type(package.loadlib)" returned "function": scripts can load native libraries', ['# upgrade the distribution package (Debian 5:6.0.16-1+deb11u2 / 5:5.0.14-1+deb10u2 or later), or deny EVAL: -@scripting']);
    } else if (f.luaPackageProbe === 'unavailable' && v !== null && compareVersions(v, [6, 0, 16]) <= 0) {
      out.push({
        id: 'cve-2022-0543',
        severity: 'low',
        source: f.source,
        origin: f.origin,
        title: 'CVE-2022-0543: possible Lua sandbox escape (Debian/Ubuntu package)',
        evidence: `unverified: redis_version:${f.version} and EVAL could not be probed (audit as a user allowed EVAL to probe it harmlessly); Debian/Ubuntu packages of this version were affected: check dpkg -l redis-server against DSA-5081-1 / USN-5316-1`,
        fix: ['# upgrade the distribution package (Debian 5:6.0.16-1+deb11u2 / 5:5.0.14-1+deb10u2 or later), or deny EVAL: -@scripting'],
        verified: false,
        severityIfConfirmed: 'critical',
      });
    }
    if (v !== null && v[0]! < 7) {
      add('debug-command-enabled', 'medium', 'DEBUG is always enabled before Redis 7.0', `redis_version:${f.version} has no enable-debug-command`, ['# upgrade to 7.2 or later, or deny it: -debug in every ACL user']);
    }
  }

  if (f.gaps.length > 0) {
    const serious = f.gaps.some((g) => g.startsWith('CONFIG') || g.startsWith('ACL ') || g.startsWith('aclfile'));
    const fix: string[] = [];
    // Ask for an admin only when a permission was missing: a renamed CONFIG refuses admins too.
    if (f.gaps.some((g) => g.includes('NOPERM'))) fix.push('# audit with an admin user (one that may run CONFIG GET and ACL LIST)');
    if (f.gaps.some((g) => / is renamed or disabled/.test(g))) fix.push('# add --config <the server\'s config file>: renamed commands are then called by their new names');
    if (fix.length === 0) fix.push('# see the evidence: fix what could not be read, then audit again');
    add('audit-incomplete', serious ? 'medium' : 'low', 'part of the configuration could not be graded', f.gaps.join('; '), fix);
  }
  return out;
}

/** `host:port` / `[v6]:port` → host */
function hostOf(addr: string): string {
  return addr.startsWith('[') ? addr.slice(1, addr.indexOf(']')) : addr.slice(0, addr.lastIndexOf(':'));
}

/**
 * A gateway (gateway-upstream / gateway-sentinel): its upstream and Sentinel passwords
 * must not cross the network in clear, and an upstream it reaches without credentials
 * admits anyone else who reaches it too, around every rule the gateway enforces.
 */
function gatewayChecks(f: ServerFacts, add: (id: string, severity: Severity, title: string, evidence: string, fix: string[]) => void): void {
  const get = (name: string): string => f.directives.get(name)?.[0] ?? '';
  const tls = get('gateway-upstream-tls') === 'yes';
  const tlsFix = ['gateway-upstream-tls yes', 'gateway-upstream-tls-ca-cert-file /etc/redoubt/tls/upstream-ca.crt'];
  const links = [
    ['gateway-upstream', 'gateway-upstream-pass', 'upstream'],
    ['gateway-sentinel', 'gateway-sentinel-pass', 'Sentinel'],
  ] as const;
  for (const [directive, pass, what] of links) {
    const addrs = (f.directives.get(directive) ?? []).filter((a) => a !== '');
    const remote = addrs.filter((a) => !isLoopback(hostOf(a)));
    if (remote.length > 0 && get(pass) !== '' && !tls) {
      add('gateway-password-without-tls', 'high', `the gateway's ${what} password crosses the network in cleartext`, `${directive} ${remote.join(' ')} with ${pass} set and gateway-upstream-tls no`, tlsFix);
    }
  }
  // the data nodes: reached directly, or the primary a Sentinel names
  const upstream = [...(f.directives.get('gateway-upstream') ?? []), ...(f.directives.get('gateway-sentinel') ?? [])].filter((a) => a !== '');
  if (upstream.length > 0 && get('gateway-upstream-pass') === '' && get('gateway-upstream-tls-cert-file') === '') {
    const remote = upstream.some((a) => !isLoopback(hostOf(a)));
    add(
      'gateway-upstream-unauthenticated',
      remote ? 'medium' : 'low',
      'the gateway logs in to its upstream without credentials: whoever reaches the upstream bypasses the gateway',
      `${f.directives.has('gateway-sentinel') ? 'gateway-sentinel' : 'gateway-upstream'} ${upstream.join(' ')} with no gateway-upstream-pass and no gateway-upstream-tls-cert-file`,
      ['# on the upstream nodes: an ACL user for the gateway, the default user off, e.g.', 'user gateway on #<sha256 of a strong password> ~* &* +@all', '# in the gateway config:', 'gateway-upstream-user gateway', 'gateway-upstream-pass <that password>'],
    );
  }
}
