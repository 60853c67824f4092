/** What the UI shows for each choice (schedule, optimizer, clipping mode, dataset): one line and a formula. */
import type { DataConfig } from './config'

export interface Doc {
  title: string
  summary: string
  formula: string
}

/** The datasets that need a word of explanation; the others are named by their kind. */
export const DATA_DOCS: Partial<Record<DataConfig['kind'], Doc>> = {
  linreg: { title: 'Article regression', summary: 'x ~ U[0, 10), y = 2x + 3 + noise: the seed article’s data.', formula: 'y = 2x + 3 + N(0, noise²)' },
  digits: { title: '8×8 digits', summary: '1,797 handwritten digits, 10 classes, pixels in [0, 1].', formula: '' },
  csv: { title: 'CSV file', summary: 'A header row and numeric columns; target names the column to predict (path on the service machine).', formula: '' },
  inline: { title: 'Inline rows', summary: 'x: one feature vector per row, y: one target per row.', formula: '' },
}
