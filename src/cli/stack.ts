// `parcel-risk stack …` is the same command as `npm run stack -- …`.
export { main } from '../../deploy/local/stack.ts'
