import { displayPath } from '../data/dataError';
import { loadSourceFile } from '../data/loadSource';
import { heldOutRows } from '../data/prepareData';
import type { TextSource } from '../data/prepareText';
import { readTextTable } from '../data/textTable';
import { TokenEncoder } from '../data/vocabulary';
import type { EvaluationDataset } from '../protocol/evaluationTypes';
import { classIndices, hashFiles, type EvaluationExamples } from './evaluationData';
import { RunFolderError, type RunArtifacts } from './runArtifacts';

/**
 * The texts of `source` (the run's test data or another file with its text
 * and label columns) encoded with the run's saved vocabulary, never a new
 * one, so that each token has the id the model was trained on.
 */
export async function loadTextEvaluationExamples(
  artifacts: RunArtifacts,
  source: TextSource,
  kind: EvaluationDataset['kind'],
  field: string,
  workspaceRoot: string,
): Promise<EvaluationExamples> {
  const { spec, run, vocabulary } = artifacts;
  const modelFile = run.modelFile;
  if (vocabulary === undefined) throw new RunFolderError(`${artifacts.runDir}: the text run has no vocabulary.json`);
  const { file, format } = await loadSourceFile(source, { modelFile, workspaceRoot, field });
  const labelKind = spec.task === 'regression' ? 'number' : 'string';
  const table = await readTextTable(file, format, { text: source.text, label: { name: source.label, kind: labelKind } });
  const rows = kind === 'testSplit' ? heldOutRows(table.count, spec, modelFile).test : undefined;
  const rowOf = (example: number): number => (rows === undefined ? example : rows[example]);
  const count = rows === undefined ? table.count : rows.length;
  const texts = Array.from({ length: count }, (_, i) => table.texts[rowOf(i)]);
  const labels = table.labels ?? [];
  const picked = Array.from({ length: count }, (_, i) => labels[rowOf(i)]);
  const x = new TokenEncoder(vocabulary).encodeAll(texts);
  const y =
    spec.task === 'classification'
      ? classIndices(picked as string[], artifacts, [file], source, rowOf)
      : Float32Array.from(picked as number[]);
  const name = displayPath(file, workspaceRoot);
  const description =
    kind === 'testSplit'
      ? `${name} (testSplit ${spec.data.testSplit}: ${count} of ${table.count} rows)`
      : `${name} (${kind === 'testSource' ? 'data.test, ' : ''}${count} examples)`;
  return {
    dataset: { kind, description, files: [file], sha256: await hashFiles([file]), count },
    count,
    x,
    raw: x,
    y,
    texts,
    sources: async (examples) => examples.map((example) => ({ file, index: rowOf(example), line: table.lines[rowOf(example)] })),
  };
}
