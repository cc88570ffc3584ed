// The deployment files agree with each other and with package.json: the Kubernetes manifests name
// the image scripts/build-image makes, kustomization.yaml is the one place the registry is set,
// and the worker asks for the capabilities the sandbox needs and no privilege. No podman needed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { podmanSecurityOptions, ROOT, VERSION, workerSecurity } from './podman.js';

test("the manifests name the image build-image tags, at package.json's version", () => {
  const manifest = readFileSync(`${ROOT}/deploy/kubernetes/arbiter.yaml`, 'utf8');
  const images = [...manifest.matchAll(/^\s+image: (\S+)$/gm)].map((m) => m[1]);
  assert.ok(images.length >= 2, 'the API and worker Deployments name an image');
  for (const image of images) assert.equal(image, `localhost/arbiter:${VERSION}`);
  const kustomization = readFileSync(`${ROOT}/deploy/kubernetes/kustomization.yaml`, 'utf8');
  assert.match(kustomization, /- name: localhost\/arbiter\n\s+newName: \S+/);
  assert.match(kustomization, new RegExp(`newTag: ${VERSION.replace(/\./g, '\\.')}\\b`));
});

test("the worker runs unprivileged with the sandbox's capabilities and no host path", () => {
  const security = workerSecurity();
  assert.deepEqual([...security.capabilities].sort(), [
    'CHOWN',
    'DAC_OVERRIDE',
    'FOWNER',
    'KILL',
    'NET_ADMIN',
    'SETGID',
    'SETPCAP',
    'SETUID',
    'SYS_ADMIN',
  ]);
  assert.equal(security.privileged, false);
  assert.deepEqual(security.hostPaths, []);
  assert.ok(podmanSecurityOptions(security).includes('--cap-drop=all'));
});
