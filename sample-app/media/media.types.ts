export interface ThumbnailInput {
  videoId: string;
}

export interface ThumbnailOutput {
  videoId: string;
  thumbnails: number;
}

/** The job that needs a GPU: ordinary consumers run with `--exclude media.gpu`. */
export const GPU_JOB = 'media.gpu';
