import { parseSignal, signalTable } from '../../runtime/cli/signals';

describe('kill signal parsing', () => {
  test('default is SIGTERM', () => {
    expect(parseSignal(undefined)).toBe(15);
    expect(parseSignal('')).toBe(15);
  });
  test('numbers', () => {
    expect(parseSignal('9')).toBe(9);
    expect(parseSignal('15')).toBe(15);
    expect(parseSignal('0')).toBe(0);
  });
  test('names with or without SIG, any case', () => {
    for (const s of ['KILL', 'SIGKILL', 'kill', 'sigkill', 'SigKill']) expect(parseSignal(s)).toBe(9);
    expect(parseSignal('TERM')).toBe(15);
    expect(parseSignal('hup')).toBe(1);
    expect(parseSignal('SIGUSR1')).toBe(10);
    expect(parseSignal('winch')).toBe(28);
  });
  test('real-time signals as runc (moby/sys/signal) names them', () => {
    expect(parseSignal('RTMIN')).toBe(34);
    expect(parseSignal('SIGRTMIN+1')).toBe(35);
    expect(parseSignal('rtmin+15')).toBe(49);
    expect(parseSignal('RTMAX-14')).toBe(50);
    expect(parseSignal('SIGRTMAX-1')).toBe(63);
    expect(parseSignal('RTMAX')).toBe(64);
    expect(Object.keys(signalTable()).filter((k) => k.startsWith('RT'))).toHaveLength(31);
  });
  test('unknown names', () => {
    expect(() => parseSignal('FOO')).toThrow('unknown signal "FOO"');
    expect(() => parseSignal('sigfoo')).toThrow('unknown signal "sigfoo"');
    expect(() => parseSignal('RTMIN+16')).toThrow('unknown signal "RTMIN+16"');
    expect(() => parseSignal('-9')).toThrow('unknown signal "-9"');
    expect(() => parseSignal('constructor')).toThrow('unknown signal "constructor"');
    expect(() => parseSignal('SIG')).toThrow('unknown signal "SIG"');
    expect(() => parseSignal('99999999999')).toThrow('unknown signal "99999999999"');
    expect(() => parseSignal('KILL\0')).toThrow('unknown signal');
  });
});
