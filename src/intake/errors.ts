// Typed errors of the intake shell. Messages name the file and say what is accepted (STYLE 6).

export type ImportFileErrorCode = 'unsupported-extension' | 'unreadable' | 'malformed';

export const ACCEPTED_IMPORT_FILES =
  'a .csv file with a header row (UTF-8, optional BOM, comma-separated, "quoted" fields, LF or CRLF) ' +
  'or a .json file holding one array of objects';

/** A whole import file cannot be read; row-level problems are not errors but the rejected bucket. */
export class ImportFileError extends Error {
  override readonly name = 'ImportFileError';
  constructor(
    readonly code: ImportFileErrorCode,
    readonly file: string,
    detail: string,
    readonly rowNumber?: number,
    options?: { cause?: unknown },
  ) {
    super(`cannot import ${file}: ${detail}. Accepted: ${ACCEPTED_IMPORT_FILES}`, options);
  }
}
