import assert from 'node:assert/strict';
import { test } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { zipPackage } from '../../test/helpers/package-zip.js';
import { readPackageZip, type PackageLimits } from './zip-reader.js';

const SMALL: PackageLimits = {
  maxZipBytes: 64 * 1024,
  maxEntries: 8,
  maxTotalBytes: 4096,
  maxFileBytes: 2048,
};

function refused(zip: Uint8Array, message: RegExp, limits?: PackageLimits): void {
  assert.throws(
    () => readPackageZip(zip, limits),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ARB_ERR_PACKAGE_INVALID');
      assert.match(error.message, message);
      return true;
    },
  );
}

test('reads the files of a zip, directories implied', () => {
  const files = readPackageZip(zipPackage({ 'problem.yaml': 'name: x\n', 'data/sample/1.in': '1\n' }));
  assert.deepEqual([...files.keys()].sort(), ['data/sample/1.in', 'problem.yaml']);
  assert.equal(new TextDecoder().decode(files.get('data/sample/1.in')), '1\n');
});

test('refuses paths that leave the package, absolute paths and backslashes, naming them', () => {
  refused(zipPackage({ '../evil': 'x' }), /^\.\.\/evil: leaves the package/);
  refused(zipPackage({ 'data/../../evil': 'x' }), /^data\/\.\.\/\.\.\/evil: leaves the package/);
  refused(zipPackage({ '/etc/passwd': 'x' }), /^\/etc\/passwd: is an absolute path/);
  refused(zipPackage({ 'data\\1.in': 'x' }), /backslash/);
});

test('refuses symlinks', () => {
  const zip = zipSync({ link: [strToU8('/etc/passwd'), { os: 3, attrs: (0o120777 << 16) >>> 0 }] });
  refused(zip, /^link: is a symlink or special file/);
});

test('bounds sizes and counts before inflating: zip bombs, too many entries, too large an archive', () => {
  refused(
    zipPackage({ big: new Uint8Array(4000) }),
    /^big: inflates to 4000 bytes; one file may have 2048/,
    SMALL,
  );
  refused(
    zipPackage({ a: new Uint8Array(2000), b: new Uint8Array(2000), c: new Uint8Array(2000) }),
    /^the zip archive: inflates to more than 4096 bytes/,
    SMALL,
  );
  const many = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, 'x']));
  refused(zipPackage(many), /^the zip archive: has 9 entries; the limit is 8/, SMALL);
  refused(zipPackage({ a: 'x' }), /^the zip archive: is \d+ bytes; the limit is 10/, {
    ...SMALL,
    maxZipBytes: 10,
  });
});

test('a size the archive understates is caught, never inflated past it', () => {
  const zip = zipPackage({ 'data/1.in': 'x'.repeat(1000) });
  // Lower the central directory's uncompressed size (offset 24 of the entry) to 10 bytes.
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let at = zip.length - 22;
  while (view.getUint32(at, true) !== 0x06054b50) at--;
  const central = view.getUint32(at + 16, true);
  view.setUint32(central + 24, 10, true);
  refused(zip, /^data\/1\.in: is damaged/);
});

test('refuses what is not a zip', () => {
  refused(strToU8('plain text, no archive'), /^the zip archive: is not a zip archive/);
});
