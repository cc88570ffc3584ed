import type { CallOptions, HttpTransport } from './http.js';
import type {
  GradebookPage,
  Problem,
  ProblemImport,
  ProblemInput,
  ProblemSummary,
  ProblemVerification,
} from './types.js';

/**
 * Problems: test cases stored once on the server and judged by id (`problemId` in a submission).
 * Creating, changing and deleting need an admin key (or anonymous use of a loopback server).
 */
export class ProblemsApi {
  readonly #http: HttpTransport;

  constructor(http: HttpTransport) {
    this.#http = http;
  }

  /** Creates a problem; the server picks the id unless `input.id` is given. */
  create(input: ProblemInput, options: CallOptions = {}): Promise<Problem> {
    return this.#http.json({ ...options, method: 'POST', path: '/api/v1/problems', body: input });
  }

  /** A problem; hidden tests show no data to non-admins. */
  get(id: string, options: CallOptions = {}): Promise<Problem> {
    return this.#http.json({ ...options, method: 'GET', path: path(id) });
  }

  /** Every problem, without test data. */
  async list(options: CallOptions = {}): Promise<ProblemSummary[]> {
    const answer = await this.#http.json<{ problems: ProblemSummary[] }>({
      ...options,
      method: 'GET',
      path: '/api/v1/problems',
    });
    return answer.problems;
  }

  /** Replaces a problem's title, tests, limits and checker. */
  update(id: string, input: Omit<ProblemInput, 'id'>, options: CallOptions = {}): Promise<Problem> {
    return this.#http.json({ ...options, method: 'PUT', path: path(id), body: input });
  }

  /**
   * A page of the problem's gradebook: each user's best and latest submission. Admins see every
   * key's rows (`keyId` narrows to one); any other key only those of its own submissions.
   */
  gradebook(
    id: string,
    query: { keyId?: string; user?: string; limit?: number; offset?: number } = {},
    options: CallOptions = {},
  ): Promise<GradebookPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) params.set(name, String(value));
    const search = params.toString();
    return this.#http.json({
      ...options,
      method: 'GET',
      path: `${path(id)}/gradebook${search === '' ? '' : `?${search}`}`,
    });
  }

  /**
   * Deletes the problem's finished submissions (its marks), or only `user`'s; admins only. Returns
   * how many were deleted. A problem's submissions are otherwise kept until deleted.
   */
  async deleteSubmissions(
    id: string,
    query: { user?: string } = {},
    options: CallOptions = {},
  ): Promise<number> {
    const search = query.user === undefined ? '' : `?user=${encodeURIComponent(query.user)}`;
    const answer = await this.#http.json<{ deleted: number }>({
      ...options,
      method: 'DELETE',
      path: `${path(id)}/submissions${search}`,
    });
    return answer.deleted;
  }

  /**
   * Imports a Kattis or Polygon problem package (its zip's bytes; admin). The id is the package's
   * name unless `id` is given; an existing problem of that id is then replaced. Verification of the
   * package's reference solutions starts; see get(id).verification.
   */
  import(zip: Uint8Array, query: { id?: string } = {}, options: CallOptions = {}): Promise<ProblemImport> {
    const search = query.id === undefined ? '' : `?id=${encodeURIComponent(query.id)}`;
    return this.#http.json({
      ...options,
      method: 'POST',
      path: `/api/v1/problems/import${search}`,
      raw: { contentType: 'application/zip', data: zip },
    });
  }

  /** The problem as a Kattis problem package (zip bytes; admin). */
  export(id: string, options: CallOptions = {}): Promise<Uint8Array> {
    return this.#http.bytes({
      ...options,
      method: 'GET',
      path: `${path(id)}/export`,
      headers: { accept: 'application/zip' },
    });
  }

  /** Runs the problem's reference solutions again (admin); progress in get(id).verification. */
  verify(id: string, options: CallOptions = {}): Promise<{ id: string; verification: ProblemVerification }> {
    return this.#http.json({ ...options, method: 'POST', path: `${path(id)}/verify` });
  }

  /** Opens the problem to every caller whatever its verification says (`open` false closes it; admin). */
  open(id: string, open = true, options: CallOptions = {}): Promise<{ id: string; open: boolean }> {
    return this.#http.json({ ...options, method: 'POST', path: `${path(id)}/open`, body: { open } });
  }

  async delete(id: string, options: CallOptions = {}): Promise<void> {
    await this.#http.json({ ...options, method: 'DELETE', path: path(id) });
  }
}

const path = (id: string) => `/api/v1/problems/${encodeURIComponent(id)}`;
