/** js-yaml ships no types (it comes with mocha); only what the mail fixtures loader uses. */
declare module 'js-yaml' {
  interface YamlType {
    readonly tag: string;
  }
  interface YamlSchema {
    extend(types: YamlType[]): YamlSchema;
  }
  const yaml: {
    Type: new (
      tag: string,
      options: { kind: 'scalar' | 'sequence' | 'mapping'; construct?: (data: unknown) => unknown },
    ) => YamlType;
    DEFAULT_SCHEMA: YamlSchema;
    load(text: string, options?: { schema?: YamlSchema }): unknown;
  };
  export default yaml;
}
