import { describe, expect, it } from 'vitest';
import {
  canonicalHost,
  dockerServerAddress,
  keysFor,
  podmanNormalizeAuthFileKey,
  podmanNormalizeRegistry,
  registryOfKey,
  repositoryOfScopes,
  requestRegistry,
} from '../../src/node/registry-names.ts';

describe('registry names', () => {
  it('maps every Docker Hub host to docker.io', () => {
    expect(canonicalHost('docker.io')).toBe('docker.io');
    expect(canonicalHost('index.docker.io')).toBe('docker.io');
    expect(canonicalHost('registry-1.docker.io')).toBe('docker.io');
    expect(canonicalHost('Registry-1.Docker.IO')).toBe('docker.io');
    expect(canonicalHost('quay.io')).toBe('quay.io');
    expect(canonicalHost('localhost:5000')).toBe('localhost:5000');
  });

  it('reduces docker keys to their host', () => {
    expect(registryOfKey('https://index.docker.io/v1/')).toBe('docker.io');
    expect(registryOfKey('http://index.docker.io/v1/')).toBe('docker.io');
    expect(registryOfKey('https://quay.io')).toBe('quay.io');
    expect(registryOfKey('quay.io/')).toBe('quay.io');
    expect(registryOfKey('quay.io/v1/')).toBe('quay.io');
    expect(registryOfKey('https://localhost:5000/v2/')).toBe('localhost:5000');
    expect(registryOfKey('  ghcr.io  ')).toBe('ghcr.io');
    expect(registryOfKey('')).toBeUndefined();
    expect(registryOfKey('https://')).toBeUndefined();
  });

  it('normalises podman keys as containers/image pkg/docker/config/config.go normalizeAuthFileKey does', () => {
    expect(podmanNormalizeAuthFileKey('quay.io/team/app')).toBe('quay.io/team/app');
    expect(podmanNormalizeAuthFileKey('quay.io/')).toBe('quay.io/');
    expect(podmanNormalizeAuthFileKey('Quay.IO')).toBe('Quay.IO');
    expect(podmanNormalizeAuthFileKey('https://quay.io/team')).toBe('quay.io');
    expect(podmanNormalizeAuthFileKey('http://localhost:5000/v2/')).toBe('localhost:5000');
    expect(podmanNormalizeAuthFileKey('https://index.docker.io/v1/')).toBe('index.docker.io');
    expect(podmanNormalizeAuthFileKey('docker.io')).toBe('index.docker.io');
    expect(podmanNormalizeAuthFileKey('registry-1.docker.io')).toBe('index.docker.io');
    expect(podmanNormalizeAuthFileKey('docker.io/library')).toBe('docker.io/library');
    expect(podmanNormalizeRegistry('docker.io')).toBe('index.docker.io');
    expect(podmanNormalizeRegistry('quay.io')).toBe('quay.io');
  });

  it('normalises the requested registry', () => {
    expect(requestRegistry('registry-1.docker.io')).toBe('docker.io');
    expect(requestRegistry('Quay.io')).toBe('quay.io');
    expect(requestRegistry('localhost:5000')).toBe('localhost:5000');
  });

  it('asks helpers for Docker Hub by its v1 address, others by host', () => {
    expect(dockerServerAddress('docker.io')).toBe('https://index.docker.io/v1/');
    expect(dockerServerAddress('quay.io')).toBe('quay.io');
  });

  it('takes the repository of the first repository scope', () => {
    expect(repositoryOfScopes(['repository:team/app:pull'])).toBe('team/app');
    expect(repositoryOfScopes(['registry:catalog:*', 'repository:a/b:pull,push', 'repository:c:pull'])).toBe('a/b');
    expect(repositoryOfScopes(['repository(plugin):team/plug:pull'])).toBe('team/plug');
    expect(repositoryOfScopes(['registry:catalog:*'])).toBeUndefined();
    expect(repositoryOfScopes([])).toBeUndefined();
  });

  it('lists keys from the most specific to the registry', () => {
    expect(keysFor('quay.io', 'a/b/c')).toEqual(['quay.io/a/b/c', 'quay.io/a/b', 'quay.io/a', 'quay.io']);
    expect(keysFor('quay.io', undefined)).toEqual(['quay.io']);
  });
});

describe('repositoryOfScopes picks the request repository', () => {
  it('prefers the scope that asks more than pull (a mount target sorts after its source)', async () => {
    const { repositoryOfScopes } = await import('../../src/node/registry-names.ts');
    expect(repositoryOfScopes(['repository:aaa/base:pull', 'repository:zzz/app:pull,push'])).toBe('zzz/app');
    expect(repositoryOfScopes(['repository:aaa/base:pull', 'repository:zzz/app:pull'])).toBe('aaa/base');
    expect(repositoryOfScopes(['registry:catalog:*'])).toBeUndefined();
  });
});
