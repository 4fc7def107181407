/** js-yaml ships no types (it comes with mocha); only what the mail fixtures loader uses. */
declare module 'js-yaml' {
  class Type {
    constructor(
      tag: string,
      options: { kind: 'scalar' | 'sequence' | 'mapping'; construct?: (data: unknown) => unknown },
    );
  }
  interface Schema {
    extend(types: Type[]): Schema;
  }
  const DEFAULT_SCHEMA: Schema;
  function load(text: string, options?: { schema?: Schema }): unknown;
  const yaml: { Type: typeof Type; DEFAULT_SCHEMA: Schema; load: typeof load };
  export default yaml;
}
