import { GlobalOptions } from './api';
import { OciError } from '../errors';
export async function deleteContainer(_g: GlobalOptions, _id: string, _force: boolean): Promise<void> { throw new OciError('delete: not implemented yet'); }
