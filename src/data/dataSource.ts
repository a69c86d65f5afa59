/** Where a model file's data comes from (`data.train`, `data.test`): the shapes the readers take. */

/** A tabular file: CSV with a header row, JSON array of records, or JSON Lines. */
export interface TableSource {
  readonly path: string;
  readonly label: string;
  /** Text data: the column holding the text; the model reads its tokens (`data.text`), not the other columns. */
  readonly text?: string;
  /** Overrides the format guessed from the file extension. */
  readonly format?: 'csv' | 'json' | 'jsonl';
}

/** MNIST-style IDX files, gzipped or not. */
export interface IdxSource {
  readonly images: string;
  readonly labels: string;
}

/** One sub-folder per class of PNG / JPEG images. */
export interface ImageFolderSource {
  readonly path: string;
  readonly format: 'images';
}

export type DataSource = TableSource | IdxSource | ImageFolderSource;

export function isIdxSource(source: DataSource): source is IdxSource {
  return 'images' in source;
}

export function isImageFolderSource(source: DataSource): source is ImageFolderSource {
  return 'format' in source && source.format === 'images';
}
