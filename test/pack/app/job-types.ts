// README, "Typed jobs": names, inputs and outputs checked at compile time (check.ts expects
// compile errors on a wrong name and a wrong input, and the build fails if there are none).
declare module 'nestjs-job-pipelines' {
  interface JobTypes {
    'mail.welcome': { input: { userId: number }; output: { messageId: string } };
    'report.build': { input: { n: number }; output: { n: number; seq: number; attempt: number } };
    'media.gpu': { input: { videoId: string }; output: { videoId: string; frames: number } };
  }
}
export {};
