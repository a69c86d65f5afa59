// The code-server install's plumbing (scripts/codeServer.mjs): what it keeps
// of an outer `npm run`'s environment, and the prerequisites it names before
// a multi-minute install.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cleanEnv, missingPrerequisites, prerequisitesMessage } from '../../scripts/codeServer.mjs';

describe('code-server install', () => {
  it('drops what an outer npm run adds to the environment', () => {
    const env = cleanEnv({
      HOME: '/home/u',
      npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
      npm_config_cache: '/home/u/.npm',
      NPM_CONFIG_REGISTRY: 'https://registry.example',
      npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
      npm_lifecycle_event: 'test',
      INIT_CWD: '/work/repo',
      NODE: '/usr/bin/node',
      PATH: '/work/repo/node_modules/.bin:/work/node_modules/.bin:/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin:/usr/local/bin:/usr/bin',
    });
    assert.deepEqual(env, { HOME: '/home/u', PATH: '/usr/local/bin:/usr/bin' });
  });

  it('gives a child started from npm run the Node of its own binary, not the outer one', () => {
    // What code-server's postinstall checks: the version in npm_config_user_agent.
    const outer = { ...process.env, npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64' };
    const seen = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.env.npm_config_user_agent))'], {
      env: cleanEnv(outer),
      encoding: 'utf8',
    });
    assert.equal(seen.stdout, 'undefined');
  });

  it('names nothing when the build tools and the Kerberos headers are there', () => {
    const missing = missingPrerequisites({ platform: 'linux', has: () => true, exists: () => false });
    assert.deepEqual(missing, []);
    assert.deepEqual(
      missingPrerequisites({ platform: 'linux', has: (c) => c !== 'krb5-config', exists: (f) => f === '/usr/include/gssapi/gssapi.h' }),
      [],
    );
  });

  it('names the Debian and Fedora packages of what is missing, once each', () => {
    const missing = missingPrerequisites({ platform: 'linux', has: (c) => c === 'python3', exists: () => false });
    assert.deepEqual(
      missing.map((m) => m.debian),
      ['build-essential', 'build-essential', 'libkrb5-dev'],
    );
    const message = prerequisitesMessage(missing, 'linux');
    assert.match(message, /Kerberos headers/);
    assert.match(message, /^ {2}Debian \/ Ubuntu: {2}sudo apt-get install -y build-essential libkrb5-dev$/m);
    assert.match(message, /^ {2}Fedora \/ RHEL: {4}sudo dnf install -y make gcc-c\+\+ krb5-devel$/m);
  });
});
