import { GlobalOptions } from './api';
import { OciError } from '../errors';
export async function kill(_g: GlobalOptions, _id: string, _signal: number, _all: boolean): Promise<void> { throw new OciError('kill: not implemented yet'); }
