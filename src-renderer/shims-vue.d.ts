// Lets plain tsc (tests) import .vue files; vue-tsc type-checks their contents.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
