import type { ImportedProblem } from './imported-problem.js';
import { importKattisPackage } from './kattis-import.js';
import { KATTIS_MARKER } from './kattis-layout.js';
import { packageInvalid } from './package-error.js';
import { PackageFiles } from './package-files.js';
import { importPolygonPackage, POLYGON_MARKER } from './polygon-import.js';
import { ARCHIVE, DEFAULT_PACKAGE_LIMITS, readPackageZip, type PackageLimits } from './zip-reader.js';

/**
 * A problem package's zip to a problem: the archive read within its bounds, the format told by
 * its marker file (problem.yaml: Kattis; problem.xml: Polygon) at the top or in one folder, and
 * everything checked before anything is returned, so a refused package leaves nothing behind.
 */
export function importPackage(
  zip: Uint8Array,
  limits: PackageLimits = DEFAULT_PACKAGE_LIMITS,
): ImportedProblem {
  const files = new PackageFiles(readPackageZip(zip, limits), [KATTIS_MARKER, POLYGON_MARKER]);
  if (files.has(KATTIS_MARKER)) return importKattisPackage(files);
  if (files.has(POLYGON_MARKER)) return importPolygonPackage(files);
  throw packageInvalid(
    ARCHIVE,
    `holds neither ${KATTIS_MARKER} (a Kattis package) nor ${POLYGON_MARKER} (a Polygon package), at its top or in its one folder`,
  );
}
