/** ApiResponse: the JSON envelope of a Prometheus API response, for tests. */
export interface ApiResponse {
  status: 'success' | 'error';
  data?: unknown;
  error?: string;
  errorType?: string;
  warnings?: string[];
}
