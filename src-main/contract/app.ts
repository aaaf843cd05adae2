export interface AppInfo {
  name: string;
  version: string;
  catalogPath: string;
  /** True in the desktop shell, where a native folder picker exists. */
  canPickFolders: boolean;
  /** The bundled sample library, offered in the import dialog. */
  sampleLibraryPath: string;
}

export interface AppApi {
  info(): Promise<AppInfo>;
  /** Opens the native folder picker (desktop only); resolves [] when cancelled or unsupported. */
  pickFolders(): Promise<string[]>;
}
