/** Command ids; the values match `contributes.commands` in package.json exactly. */
export const enum Command {
  Train = 'modelStudio.train',
  TrainOnSlurm = 'modelStudio.trainOnSlurm',
  RunSweep = 'modelStudio.runSweep',
  RunSweepOnSlurm = 'modelStudio.runSweepOnSlurm',
  StopSweep = 'modelStudio.stopSweep',
  ResumeSweep = 'modelStudio.resumeSweep',
  ShowSweep = 'modelStudio.showSweep',
  Stop = 'modelStudio.stop',
  ResumeRun = 'modelStudio.resumeRun',
  ContinueRun = 'modelStudio.continueRun',
  OpenRunFolder = 'modelStudio.openRunFolder',
  ShowTrainingPanel = 'modelStudio.showTrainingPanel',
  CompareRuns = 'modelStudio.compareRuns',
  DeleteRun = 'modelStudio.deleteRun',
  ShowHyperparameters = 'modelStudio.showHyperparameters',
  ShowGraph = 'modelStudio.showGraph',
  Evaluate = 'modelStudio.evaluate',
  ExportModel = 'modelStudio.exportModel',
  SelectBackend = 'modelStudio.selectBackend',
  InstallNativeBackend = 'modelStudio.installNativeBackend',
  OpenSample = 'modelStudio.openSample',
  NewModelFromData = 'modelStudio.newModelFromData',
  OpenExperiments = 'modelStudio.openExperiments',
}

/** Context keys the `when` clauses in package.json read. */
export const enum ContextKey {
  /** Paths of model files with a run going, for `resourcePath in …`. */
  RunningFiles = 'modelStudio.runningFiles',
  AnyRunning = 'modelStudio.anyRunning',
  /** The walkthrough's "Read the curves" step: a training panel was shown (Train opens one). */
  CurvesShown = 'modelStudio.walkthrough.curvesShown',
  /** The walkthrough's "Change a hyperparameter" step: the form changed the file, not merely opened. */
  FormEdited = 'modelStudio.walkthrough.formEdited',
}
