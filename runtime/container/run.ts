import { GlobalOptions, RunOptions } from './api';
import { OciError } from '../errors';
export async function run(_g: GlobalOptions, _o: RunOptions): Promise<number> { throw new OciError('run: not implemented yet'); }
