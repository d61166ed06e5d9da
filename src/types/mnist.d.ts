declare module 'mnist' {
  interface MnistDigit {
    id: number;
    raw: number[];
    length: number;
  }
  const digits: MnistDigit[] & { set(training: number, test: number): unknown };
  export default digits;
}
