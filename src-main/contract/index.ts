export type * from './app';
export type * from './catalogue';
export type * from './events';
export type * from './jobs';
export type * from './lesions';
export type * from './library';
export type * from './resources';
export type * from './rpc';
