/** Anything with something to release: vscode.Disposable has this shape. */
export interface Disposable {
  dispose(): void;
}

/**
 * Owns what it registers and releases all of it once, newest first (as the
 * markdown preview's `Disposable` does): no hand-written dispose loops.
 */
export abstract class Owner implements Disposable {
  private readonly owned: Disposable[] = [];
  private disposed = false;

  /** Takes what it is given to release with this; anything registered after dispose() is released at once. */
  protected register<T extends Disposable>(disposable: T): T;
  protected register(...disposables: Disposable[]): void;
  protected register(...disposables: Disposable[]): Disposable {
    for (const disposable of disposables) {
      if (this.disposed) disposable.dispose();
      else this.owned.push(disposable);
    }
    return disposables[0];
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const disposable of this.owned.splice(0).reverse()) disposable.dispose();
  }
}
